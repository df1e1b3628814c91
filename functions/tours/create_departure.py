"""Schedule a departure."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import schemas, services
from shared.tours.errors import DepartureExistsError
from shared.users import access


async def create_departure(request: http.Request, tour_id: uuid.UUID, body: schemas.DepartureCreate) -> http.Response:
    """Add a future date to a tour (admins); 409 if it already departs that day."""
    departure = await services.create_departure(request.uow, tour_id=tour_id, data=body)
    return http.json(departure, status=201)


handler = http.lambda_handler(create_departure, auth=access.admin, status=201, response=schemas.DepartureOut,
                              raises=(NotFoundError, DepartureExistsError))
