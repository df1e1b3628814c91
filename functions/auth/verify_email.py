"""Verify an account's e-mail address with the token its e-mail carried."""
from __future__ import annotations

from shared.core import http
from shared.users import account_mail, schemas
from shared.users.errors import InvalidTokenError


async def verify_email(request: http.Request, body: schemas.VerifyEmailIn) -> http.Response:
    """Mark the address verified; the token works once (400 invalid_token when unknown, used or expired)."""
    user = await account_mail.verify_email(request.uow, token=body.token)
    return http.json(schemas.UserOut.model_validate(user))


handler = http.lambda_handler(verify_email, response=schemas.UserOut, raises=(InvalidTokenError,))
