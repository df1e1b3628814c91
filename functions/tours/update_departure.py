"""Change a departure."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.tours import schemas, services
from shared.tours.errors import CapacityBelowTakenError
from shared.users import access


async def update_departure(
    request: http.Request, departure_id: uuid.UUID, body: schemas.DepartureUpdate
) -> http.Response:
    """Change capacity (never below the seats taken) or open/close a departure (admins)."""
    departure = await services.update_departure(request.uow, departure_id=departure_id, data=body)
    return http.json(departure)


handler = http.lambda_handler(update_departure, auth=access.admin, response=schemas.DepartureOut,
                              raises=(NotFoundError, InvalidStateError, CapacityBelowTakenError))
