"""Sign a browser in."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import InvalidCredentialsError, RateLimitedError
from shared.users import schemas, services, sessions
from shared.users.errors import AccountDisabledError


async def start_session(request: http.Request, body: schemas.LoginIn) -> http.Response:
    """Sign a browser in: the access token in the body, the refresh token in the HttpOnly `tb_refresh` cookie."""
    issued = await services.log_in(
        request.uow, email=body.email, password=body.password, ip=request.client_ip, user_agent=request.user_agent
    )
    return sessions.started(request, issued)


handler = http.lambda_handler(start_session, response=schemas.SessionOut,
                              raises=(InvalidCredentialsError, AccountDisabledError, RateLimitedError))
