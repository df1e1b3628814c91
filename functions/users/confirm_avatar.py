"""Show an uploaded avatar."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import InvalidUploadError
from shared.users import access, schemas, services


async def confirm_avatar(request: http.Request, body: schemas.AvatarConfirmIn) -> http.Response:
    """Check the upload really is an image under the limit, then make it the caller's avatar."""
    user = await services.confirm_avatar(request.uow, user=access.caller(request), key=body.key)
    return http.json(schemas.UserOut.model_validate(user))


handler = http.lambda_handler(confirm_avatar, auth=access.signed_in, response=schemas.UserOut,
                              raises=(InvalidUploadError,))
