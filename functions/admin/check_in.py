"""Check a traveller in."""
from __future__ import annotations

from shared.bookings import schemas, services
from shared.bookings.errors import AlreadyCheckedInError
from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.users import access


async def check_in(request: http.Request, body: schemas.CheckInIn) -> http.Response:
    """Accept a ticket's code once (admins and guides); forged or unknown codes are 404."""
    booking = await services.check_in(request.uow, code=body.code)
    return http.json(schemas.BookingOut.model_validate(booking))


handler = http.lambda_handler(check_in, auth=access.staff, response=schemas.BookingOut,
                              raises=(NotFoundError, AlreadyCheckedInError, InvalidStateError))
