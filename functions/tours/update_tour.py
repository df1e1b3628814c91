"""Change a tour."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import schemas, services
from shared.users import access


async def update_tour(request: http.Request, tour_id: uuid.UUID, body: schemas.TourUpdate) -> http.Response:
    """Change some fields of a tour (admins)."""
    return http.json(await services.update_tour(request.uow, tour_id=tour_id, data=body))


handler = http.lambda_handler(update_tour, auth=access.admin, response=schemas.TourOut, raises=(NotFoundError,))
