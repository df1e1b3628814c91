"""One booking."""
from __future__ import annotations

import uuid

from shared.bookings import schemas, services
from shared.core import http
from shared.core.errors import NotFoundError
from shared.users import access


async def get_booking(request: http.Request, booking_id: uuid.UUID) -> http.Response:
    """Show a booking to its owner (or an admin)."""
    booking = await services.get_booking(request.uow, caller=access.caller(request), booking_id=booking_id)
    return http.json(schemas.BookingOut.model_validate(booking))


handler = http.lambda_handler(get_booking, auth=access.signed_in, response=schemas.BookingOut, raises=(NotFoundError,))
