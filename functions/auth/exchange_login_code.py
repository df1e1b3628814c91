"""Trade a login code for tokens."""
from __future__ import annotations

from shared.core import http
from shared.oauth import schemas, services
from shared.users import schemas as user_schemas
from shared.users.errors import InvalidTokenError


async def exchange_login_code(request: http.Request, body: schemas.ExchangeIn) -> http.Response:
    """Trade the callback's login code (single use, 60 s) for an access and a refresh token."""
    issued = await services.exchange_login_code(request.uow, login_code=body.login_code, ip=request.client_ip,
                                                user_agent=request.user_agent)
    return http.json(issued, headers={"cache-control": "no-store"})


handler = http.lambda_handler(exchange_login_code, response=user_schemas.TokensOut, raises=(InvalidTokenError,))
