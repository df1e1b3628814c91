"""Leave a waitlist."""
from __future__ import annotations

import uuid

from shared.bookings import waitlist
from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.users import access


async def leave_waitlist(request: http.Request, entry_id: uuid.UUID) -> http.Response:
    """Stop waiting for a departure (an entry already offered: cancel its booking instead)."""
    await waitlist.leave_waitlist(request.uow, user=access.caller(request), entry_id=entry_id)
    return http.no_content()


handler = http.lambda_handler(leave_waitlist, auth=access.signed_in, status=204,
                              raises=(NotFoundError, InvalidStateError))
