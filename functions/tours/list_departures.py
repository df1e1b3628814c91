"""A tour's departures."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import schemas, services
from shared.users import access


async def list_departures(request: http.Request, tour_id: uuid.UUID, query: schemas.DeparturesQuery) -> http.Response:
    """List a tour's departures by date, with seats left."""
    page = await services.list_departures(request.uow, tour_id=tour_id, query=query, is_admin=request.is_admin)
    return http.json(page)


handler = http.lambda_handler(list_departures, auth=access.anyone, response=schemas.DeparturePage,
                              raises=(NotFoundError,))
