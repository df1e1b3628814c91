"""Start an avatar upload."""
from __future__ import annotations

from shared.core import http
from shared.users import access, schemas, services


async def request_avatar(request: http.Request, body: schemas.AvatarUploadIn) -> http.Response:
    """A presigned POST for the caller's new avatar (PNG, JPEG or WebP, at most 5 MiB)."""
    upload = await services.request_avatar_upload(access.caller(request), content_type=body.content_type)
    return http.json(upload, status=201)


handler = http.lambda_handler(request_avatar, auth=access.signed_in, status=201, response=schemas.AvatarUploadOut)
