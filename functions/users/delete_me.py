"""Delete the caller's account."""
from __future__ import annotations

from shared.core import http
from shared.users import access, services


async def delete_me(request: http.Request) -> http.Response:
    """Remove the caller's personal data and end every session."""
    await services.delete_me(request.uow, user=access.caller(request))
    return http.no_content()


handler = http.lambda_handler(delete_me, auth=access.signed_in, status=204)
