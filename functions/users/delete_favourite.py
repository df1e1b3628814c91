"""Drop a tour from the caller's favourites."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.favourites import services
from shared.users import access


async def delete_favourite(request: http.Request, tour_id: uuid.UUID) -> http.Response:
    """Remove a tour from the caller's favourites; one that is not there changes nothing."""
    await services.remove_favourite(request.uow, user=access.caller(request), tour_id=tour_id)
    return http.no_content()


handler = http.lambda_handler(delete_favourite, auth=access.signed_in, status=204)
