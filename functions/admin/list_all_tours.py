"""Every tour, drafts included."""
from __future__ import annotations

from shared.core import http
from shared.tours import schemas, services
from shared.users import access


async def list_all_tours(request: http.Request, query: schemas.AdminToursQuery) -> http.Response:
    """List the catalogue as admins see it: drafts included, newest first, searchable (admins)."""
    return http.json(await services.list_admin_tours(request.uow, query=query))


handler = http.lambda_handler(list_all_tours, auth=access.admin, response=schemas.TourPage)
