"""End the caller's session."""
from __future__ import annotations

from shared.core import http
from shared.users import access, schemas, services


async def log_out(request: http.Request, body: schemas.LogoutIn) -> http.Response:
    """Revoke this access token's refresh family (and that of `refresh_token`, if given)."""
    await services.log_out(
        request.uow, user=access.caller(request), family_id=access.token_family(request),
        refresh_token=body.refresh_token,
    )
    return http.no_content()


handler = http.lambda_handler(log_out, auth=access.signed_in, status=204)
