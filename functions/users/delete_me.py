"""Delete the caller's account."""
from __future__ import annotations

from shared.bookings import accounts
from shared.core import http
from shared.users import access
from shared.users.errors import LastAdminError


async def delete_me(request: http.Request) -> http.Response:
    """Remove the caller's personal data, cancel their future bookings and end every session."""
    await accounts.close_account(request.uow, user=access.caller(request))
    return http.no_content()


handler = http.lambda_handler(delete_me, auth=access.signed_in, status=204, raises=(LastAdminError,))
