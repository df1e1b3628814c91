"""Change an account's role or activity."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.users import access, schemas, services
from shared.users.errors import LastAdminError


async def update_user(request: http.Request, user_id: uuid.UUID, body: schemas.AdminUserUpdate) -> http.Response:
    """Change a role or deactivate an account; its sessions end at once; the last admin stays (admins)."""
    user = await services.update_user(request.uow, user_id=user_id, data=body)
    return http.json(schemas.UserOut.model_validate(user))


handler = http.lambda_handler(update_user, auth=access.admin, response=schemas.UserOut,
                              raises=(NotFoundError, LastAdminError))
