"""Remove a tour from the catalogue: archive it if it had bookings, else delete it."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import archive
from shared.tours.errors import HasActiveBookingsError
from shared.users import access


async def delete_tour(request: http.Request, tour_id: uuid.UUID) -> http.Response:
    """Remove a tour (archived if it ever had bookings, which stay); 409 while a booking is pending or confirmed."""
    await archive.delete_tour(request.uow, tour_id=tour_id)
    return http.no_content()


handler = http.lambda_handler(delete_tour, auth=access.admin, status=204,
                              raises=(NotFoundError, HasActiveBookingsError))
