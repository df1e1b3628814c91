"""Send the browser to a provider to sign in."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import NotFoundError, UnavailableError, ValidationError
from shared.oauth import schemas, services, sessions


async def start_oauth_sign_in(request: http.Request, provider: str, query: schemas.AuthorizeQuery) -> http.Response:
    """Redirect to the provider with state, nonce and PKCE (S256); the flow is bound to this browser by a cookie."""
    started = await services.start_sign_in(request.uow, provider_name=provider, redirect_uri=query.redirect_uri,
                                           browser_secret=sessions.browser_secret(request))
    return sessions.redirect(request, started.location, browser_secret=started.browser_secret)


handler = http.lambda_handler(start_oauth_sign_in, status=302,
                              raises=(NotFoundError, ValidationError, UnavailableError))
