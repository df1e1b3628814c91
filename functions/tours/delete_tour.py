"""Remove a tour."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.tours import services
from shared.users import access


async def delete_tour(request: http.Request, tour_id: uuid.UUID) -> http.Response:
    """Delete a tour and its departures; 409 while bookings hold seats (admins)."""
    await services.delete_tour(request.uow, tour_id=tour_id)
    return http.no_content()


handler = http.lambda_handler(delete_tour, auth=access.admin, status=204)
