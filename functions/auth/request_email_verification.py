"""Send the caller a new verification e-mail."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import RateLimitedError
from shared.users import access, account_mail, schemas


async def request_email_verification(request: http.Request) -> http.Response:
    """E-mail the caller a new verification link (at most 3 an hour; none once the address is verified)."""
    await account_mail.request_verification(request.uow, user=access.caller(request))
    return http.json(schemas.AcceptedOut(), status=202)


handler = http.lambda_handler(request_email_verification, auth=access.signed_in, status=202,
                              response=schemas.AcceptedOut, raises=(RateLimitedError,))
