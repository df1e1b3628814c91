"""Cancel a booking."""
from __future__ import annotations

import uuid

from shared.bookings import schemas, services
from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.users import access


async def cancel_booking(request: http.Request, booking_id: uuid.UUID) -> http.Response:
    """Cancel a pending or confirmed booking; its seats go back on sale."""
    booking = await services.cancel_booking(request.uow, caller=access.caller(request), booking_id=booking_id)
    return http.json(schemas.BookingOut.model_validate(booking))


handler = http.lambda_handler(cancel_booking, auth=access.signed_in, response=schemas.BookingOut,
                              raises=(NotFoundError, InvalidStateError))
