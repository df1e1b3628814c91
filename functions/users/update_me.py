"""Change the caller's account."""
from __future__ import annotations

from shared.core import http
from shared.users import access, schemas, services


async def update_me(request: http.Request, body: schemas.UserUpdate) -> http.Response:
    """Change the caller's name or password (a new password ends every session)."""
    user = await services.update_me(request.uow, user=access.caller(request), data=body)
    return http.json(schemas.UserOut.model_validate(user))


handler = http.lambda_handler(update_me, auth=access.signed_in, response=schemas.UserOut)
