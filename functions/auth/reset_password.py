"""Set a new password with the token of a reset e-mail."""
from __future__ import annotations

from shared.core import http
from shared.users import account_mail, schemas
from shared.users.errors import InvalidTokenError


async def reset_password(request: http.Request, body: schemas.PasswordResetConfirmIn) -> http.Response:
    """Set the new password; every session of the account ends and the token is spent (valid for 30 min)."""
    await account_mail.reset_password(request.uow, token=body.token, password=body.password)
    return http.no_content()


handler = http.lambda_handler(reset_password, status=204, raises=(InvalidTokenError,))
