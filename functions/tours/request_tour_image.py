"""Start a tour image upload."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.tours import schemas, services
from shared.users import access


async def request_tour_image(request: http.Request, tour_id: uuid.UUID, body: schemas.ImageUploadIn) -> http.Response:
    """A presigned POST for one image of the tour (PNG, JPEG or WebP, at most 5 MiB; admins)."""
    upload = await services.request_image_upload(request.uow, tour_id=tour_id, data=body)
    return http.json(upload, status=201)


handler = http.lambda_handler(request_tour_image, auth=access.admin, status=201, response=schemas.ImageUploadOut,
                              raises=(NotFoundError,))
