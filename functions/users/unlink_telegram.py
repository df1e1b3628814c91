"""Unlink the caller's Telegram chat."""
from __future__ import annotations

from shared.core import http
from shared.telegram import services
from shared.users import access


async def unlink_telegram(request: http.Request) -> http.Response:
    """Stop sending notifications to the caller's Telegram chat."""
    await services.unlink(request.uow, user=access.caller(request))
    return http.no_content()


handler = http.lambda_handler(unlink_telegram, auth=access.signed_in, status=204)
