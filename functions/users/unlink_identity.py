"""Unlink a sign-in provider from the caller's account."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import NotFoundError
from shared.oauth import services
from shared.oauth.errors import LastLoginMethodError
from shared.users import access


async def unlink_identity(request: http.Request, provider: str) -> http.Response:
    """Unlink the provider, unless it is the only way left to sign in (409 last_login_method)."""
    await services.unlink_identity(request.uow, user=access.caller(request), provider=provider)
    return http.no_content()


handler = http.lambda_handler(unlink_identity, auth=access.signed_in, status=204,
                              raises=(NotFoundError, LastLoginMethodError))
