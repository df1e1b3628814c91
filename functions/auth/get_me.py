"""The signed-in user."""
from __future__ import annotations

from shared.core import http
from shared.users import access, schemas


async def get_me(request: http.Request) -> http.Response:
    """Return the caller's account."""
    return http.json(schemas.UserOut.model_validate(access.caller(request)))


handler = http.lambda_handler(get_me, auth=access.signed_in, response=schemas.UserOut)
