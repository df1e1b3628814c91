"""The caller's favourite tours."""
from __future__ import annotations

from shared.core import http
from shared.core.schemas import PageQuery
from shared.favourites import services
from shared.tours import schemas
from shared.users import access


async def list_favourites(request: http.Request, query: PageQuery) -> http.Response:
    """List the caller's favourite tours, the latest kept first, with live seats."""
    return http.json(await services.list_favourites(request.uow, user=access.caller(request), query=query))


handler = http.lambda_handler(list_favourites, auth=access.signed_in, response=schemas.TourPage)
