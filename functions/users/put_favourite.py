"""Keep a tour among the caller's favourites."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.favourites import services
from shared.users import access


async def put_favourite(request: http.Request, tour_id: uuid.UUID) -> http.Response:
    """Add a published tour to the caller's favourites; adding it again changes nothing."""
    await services.add_favourite(request.uow, user=access.caller(request), tour_id=tour_id)
    return http.no_content()


handler = http.lambda_handler(put_favourite, auth=access.signed_in, status=204, raises=(NotFoundError,))
