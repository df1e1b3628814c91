"""Start linking a Telegram chat to the caller's account."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import NotFoundError
from shared.telegram import schemas, services
from shared.users import access


async def link_telegram(request: http.Request) -> http.Response:
    """A deep link to the bot (single use, 15 minutes): pressing Start there links that chat."""
    started = await services.start_link(request.uow, user=access.caller(request))
    return http.json(schemas.TelegramLinkOut(url=started.url, expires_in=started.expires_in), status=201,
                     headers={"cache-control": "no-store"})


handler = http.lambda_handler(link_telegram, auth=access.signed_in, status=201, response=schemas.TelegramLinkOut,
                              raises=(NotFoundError,))
