"""Add a tour."""
from __future__ import annotations

from shared.core import http
from shared.tours import schemas, services
from shared.users import access


async def create_tour(request: http.Request, body: schemas.TourCreate) -> http.Response:
    """Create a tour (admins)."""
    return http.json(await services.create_tour(request.uow, data=body), status=201)


handler = http.lambda_handler(create_tour, auth=access.admin, status=201, response=schemas.TourOut)
