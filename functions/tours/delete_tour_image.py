"""Take an image off a tour."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import services
from shared.users import access


async def delete_tour_image(request: http.Request, tour_id: uuid.UUID, image_id: uuid.UUID) -> http.Response:
    """Remove an image (and its thumbnails) from a tour and from the bucket (admins)."""
    await services.delete_image(request.uow, tour_id=tour_id, image_id=image_id)
    return http.no_content()


handler = http.lambda_handler(delete_tour_image, auth=access.admin, status=204, raises=(NotFoundError,))
