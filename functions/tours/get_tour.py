"""One tour, by id or slug."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import schemas, services
from shared.users import access


async def get_tour(request: http.Request, tour_id: str) -> http.Response:
    """Show a tour (by its id or its slug) with its next departure; unpublished tours only to admins."""
    tour = await services.get_tour_json(request.uow, tour_id=tour_id, is_admin=request.is_admin)
    return http.json_bytes(tour)


handler = http.lambda_handler(get_tour, auth=access.anyone, response=schemas.TourOut, raises=(NotFoundError,))
