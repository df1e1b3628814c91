"""Book seats."""
from __future__ import annotations

from shared.bookings import schemas, services
from shared.bookings.errors import DepartureClosedError, SoldOutError
from shared.core import http
from shared.core.errors import NotFoundError
from shared.users import access


async def create_booking(request: http.Request, body: schemas.BookingCreate) -> http.Response:
    """Hold seats on a departure (pending until paid or expired); `Idempotency-Key` makes retries safe."""
    booking = await services.create_booking(request.uow, user=access.caller_or_claims(request), data=body,
                                            claim=request.idempotency)
    return http.json(schemas.BookingOut.model_validate(booking), status=201)


handler = http.lambda_handler(create_booking, auth=access.signed_in_by_write, status=201, response=schemas.BookingOut,
                              idempotent=True, raises=(NotFoundError, SoldOutError, DepartureClosedError),
                              reads_alone=True)  # its one write is services.create_booking's one statement
