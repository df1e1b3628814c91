"""Exchange an email and password for tokens."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import InvalidCredentialsError, RateLimitedError
from shared.users import schemas, services
from shared.users.errors import AccountDisabledError


async def log_in(request: http.Request, body: schemas.LoginIn) -> http.Response:
    """Log in with a JSON body or the OAuth2 password form (`username`, `password`)."""
    issued = await services.log_in(
        request.uow, email=body.email, password=body.password, ip=request.client_ip, user_agent=request.user_agent
    )
    return http.json(issued)


handler = http.lambda_handler(log_in, response=schemas.TokensOut, accepts_form=True,
                              raises=(InvalidCredentialsError, AccountDisabledError, RateLimitedError))
