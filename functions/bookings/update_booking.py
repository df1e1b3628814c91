"""Change a booking."""
from __future__ import annotations

import uuid

from shared.bookings import edits, schemas
from shared.bookings.errors import DepartureClosedError, PaymentDeclinedError, PaymentRequiredError, SoldOutError
from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.users import access


async def update_booking(request: http.Request, booking_id: uuid.UUID, body: schemas.BookingUpdate) -> http.Response:
    """Change travellers, note, seats or date (same tour) of a pending or confirmed booking; a dearer change of a
    confirmed one pays the difference with `payment_token`, a cheaper one is refunded by the refund policy."""
    booking = await edits.change_booking(request.uow, caller=access.caller(request), booking_id=booking_id,
                                         data=body, claim=request.idempotency)
    return http.json(schemas.BookingOut.model_validate(booking))


handler = http.lambda_handler(update_booking, auth=access.signed_in, response=schemas.BookingOut, idempotent=True,
                              raises=(NotFoundError, SoldOutError, DepartureClosedError, PaymentRequiredError,
                                      PaymentDeclinedError, InvalidStateError))
