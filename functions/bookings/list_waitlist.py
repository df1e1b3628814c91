"""The caller's waitlist entries."""
from __future__ import annotations

from shared.bookings import schemas, waitlist
from shared.core import http
from shared.core.schemas import PageQuery
from shared.users import access


async def list_waitlist(request: http.Request, query: PageQuery) -> http.Response:
    """List the caller's waitlist entries, newest first, with their place in the queue."""
    return http.json(await waitlist.list_waitlist(request.uow, user=access.caller(request), query=query))


handler = http.lambda_handler(list_waitlist, auth=access.signed_in, response=schemas.WaitlistPage)
