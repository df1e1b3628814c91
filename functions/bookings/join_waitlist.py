"""Wait for seats on a sold-out departure."""
from __future__ import annotations

import uuid

from shared.bookings import schemas, waitlist
from shared.bookings.errors import AlreadyWaitlistedError, DepartureClosedError, SeatsAvailableError
from shared.core import http
from shared.core.errors import NotFoundError
from shared.users import access


async def join_waitlist(request: http.Request, departure_id: uuid.UUID, body: schemas.WaitlistJoin) -> http.Response:
    """Join a departure's waitlist: when seats come back, the oldest entry that fits gets a held booking."""
    entry = await waitlist.join_waitlist(request.uow, user=access.caller(request), departure_id=departure_id,
                                         data=body)
    return http.json(entry, status=201)


handler = http.lambda_handler(join_waitlist, auth=access.signed_in, status=201, response=schemas.WaitlistEntryOut,
                              raises=(NotFoundError, DepartureClosedError, SeatsAvailableError,
                                      AlreadyWaitlistedError))
