"""Book seats for a user."""
from __future__ import annotations

from shared.bookings import schemas, services
from shared.bookings.errors import DepartureClosedError, SoldOutError
from shared.core import http
from shared.core.errors import NotFoundError
from shared.users import access


async def create_admin_booking(request: http.Request, body: schemas.AdminBookingCreate) -> http.Response:
    """Book seats for a user (admins): pending like any booking, or confirmed at once with `paid_offline`."""
    booking = await services.create_booking_for(request.uow, data=body, claim=request.idempotency)
    return http.json(schemas.BookingOut.model_validate(booking), status=201)


handler = http.lambda_handler(create_admin_booking, auth=access.admin, status=201, response=schemas.BookingOut,
                              idempotent=True, raises=(NotFoundError, SoldOutError, DepartureClosedError))
