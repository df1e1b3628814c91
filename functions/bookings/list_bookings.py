"""The caller's bookings."""
from __future__ import annotations

from shared.bookings import schemas, services
from shared.core import http
from shared.users import access


async def list_bookings(request: http.Request, query: schemas.BookingsQuery) -> http.Response:
    """List the caller's bookings, newest first, optionally by status."""
    filters = schemas.AdminBookingsQuery(**query.model_dump())
    page = await services.list_bookings(request.uow, query=filters, user_id=access.caller(request).id)
    return http.json(page)


handler = http.lambda_handler(list_bookings, auth=access.signed_in, response=schemas.BookingPage)
