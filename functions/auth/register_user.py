"""Create an account."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import RateLimitedError
from shared.users import schemas, services
from shared.users.errors import EmailTakenError


async def register_user(request: http.Request, body: schemas.RegisterIn) -> http.Response:
    """Register a new account with the `user` role."""
    user = await services.register_user(request.uow, data=body, ip=request.client_ip)
    return http.json(schemas.UserOut.model_validate(user), status=201)


handler = http.lambda_handler(register_user, status=201, response=schemas.UserOut,
                              raises=(EmailTakenError, RateLimitedError))
