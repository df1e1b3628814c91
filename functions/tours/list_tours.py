"""Browse the catalogue."""
from __future__ import annotations

from shared.core import http
from shared.tours import schemas, services


async def list_tours(request: http.Request, query: schemas.ToursQuery) -> http.Response:
    """Search published tours: full text, filters, a date/seats window, six sorts, cursor pages."""
    return http.json(await services.list_tours(request.uow, query=query))


handler = http.lambda_handler(list_tours, response=schemas.TourPage)
