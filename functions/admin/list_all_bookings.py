"""Every booking."""
from __future__ import annotations

from shared.bookings import schemas, services
from shared.core import http
from shared.users import access


async def list_all_bookings(request: http.Request, query: schemas.AdminBookingsQuery) -> http.Response:
    """List all bookings with filters (admins; guides read them too)."""
    return http.json(await services.list_bookings(request.uow, query=query, user_id=None))


handler = http.lambda_handler(list_all_bookings, auth=access.staff, response=schemas.BookingPage)
