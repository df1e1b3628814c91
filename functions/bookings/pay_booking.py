"""Pay for a booking."""
from __future__ import annotations

import uuid

from shared.bookings import schemas, services
from shared.bookings.errors import PaymentDeclinedError
from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.users import access


async def pay_booking(request: http.Request, booking_id: uuid.UUID, body: schemas.PaymentIn) -> http.Response:
    """Pay a pending booking (`tok_ok` succeeds, `tok_declined` is declined); `Idempotency-Key` makes retries safe."""
    booking = await services.pay_booking(request.uow, caller=access.caller(request), booking_id=booking_id,
                                         data=body, claim=request.idempotency)
    return http.json(schemas.BookingOut.model_validate(booking))


handler = http.lambda_handler(pay_booking, auth=access.signed_in, response=schemas.BookingOut, idempotent=True,
                              raises=(NotFoundError, PaymentDeclinedError, InvalidStateError))
