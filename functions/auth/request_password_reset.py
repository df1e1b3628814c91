"""Ask for a password reset e-mail."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import RateLimitedError
from shared.users import account_mail, schemas


async def request_password_reset(request: http.Request, body: schemas.PasswordResetIn) -> http.Response:
    """E-mail a reset link to the address if it has an account: the same answer, in the same time, if not."""
    await account_mail.request_password_reset(request.uow, email=body.email, ip=request.client_ip)
    return http.json(schemas.AcceptedOut(), status=202)


handler = http.lambda_handler(request_password_reset, status=202, response=schemas.AcceptedOut,
                              raises=(RateLimitedError,))
