"""Trade a login code for tokens."""
from __future__ import annotations

from shared.core import http
from shared.oauth import schemas, services
from shared.users import schemas as user_schemas, sessions
from shared.users.errors import InvalidTokenError


async def exchange_login_code(request: http.Request, body: schemas.ExchangeIn) -> http.Response:
    """Trade the callback's login code (single use, 60 s) for tokens; the web app (`X-Requested-With: tourbook`)
    gets a browser session instead: the access token, and the refresh token in the `tb_refresh` cookie."""
    issued = await services.exchange_login_code(request.uow, login_code=body.login_code, ip=request.client_ip,
                                                user_agent=request.user_agent)
    if request.headers.get(sessions.CSRF_HEADER) == sessions.CSRF_VALUE:
        return sessions.started(request, issued)
    return http.json(issued, headers={"cache-control": "no-store"})


handler = http.lambda_handler(exchange_login_code, response=user_schemas.TokensOut, raises=(InvalidTokenError,))
