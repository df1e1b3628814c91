"""Attach an uploaded tour image."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import InvalidUploadError, NotFoundError
from shared.tours import schemas, services
from shared.users import access


async def confirm_tour_image(request: http.Request, tour_id: uuid.UUID, image_id: uuid.UUID) -> http.Response:
    """Check the uploaded object really is an image under the limit, then show it on the tour (admins)."""
    return http.json(await services.confirm_image(request.uow, tour_id=tour_id, image_id=image_id))


handler = http.lambda_handler(confirm_tour_image, auth=access.admin, response=schemas.TourOut,
                              raises=(NotFoundError, InvalidUploadError))
