"""Cancel a departure."""
from __future__ import annotations

import uuid

from shared.bookings import cascades
from shared.core import http
from shared.core.errors import NotFoundError
from shared.users import access


async def cancel_departure(request: http.Request, departure_id: uuid.UUID) -> http.Response:
    """Cancel a departure and the bookings on it (admins)."""
    await cascades.cancel_departure(request.uow, departure_id=departure_id)
    return http.no_content()


handler = http.lambda_handler(cancel_departure, auth=access.admin, status=204, raises=(NotFoundError,))
