"""Where the provider sends the browser back."""
from __future__ import annotations

from shared.core import http
from shared.oauth import schemas, services, sessions
from shared.oauth.errors import SignInStateError


async def finish_oauth_sign_in(request: http.Request, provider: str, query: schemas.CallbackQuery) -> http.Response:
    """Check the state, trade the code, verify the ID token; back to the web app with a login code or an error."""
    location = await services.finish_sign_in(request.uow, provider_name=provider, code=query.code,
                                             state=query.state, error=query.error,
                                             browser_secret=sessions.browser_secret(request))
    return sessions.redirect(request, location, browser_secret=None)


handler = http.lambda_handler(finish_oauth_sign_in, status=302, raises=(SignInStateError,))
