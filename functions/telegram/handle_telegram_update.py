"""The Telegram bot's webhook."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import UnauthorizedError
from shared.telegram import access, schemas, services


async def handle_telegram_update(request: http.Request, body: schemas.TelegramUpdate) -> http.Response:
    """Take a Bot API update: `/start <token>` links the chat to the account the token was made for."""
    message = body.message
    reply = await services.handle_update(request.uow, chat_id=message.chat.id if message else None,
                                         text=message.text if message else None)
    return http.json(reply or {})  # Telegram runs a method named in the answer: the reply needs no request of its own


handler = http.lambda_handler(handle_telegram_update, auth=access.telegram, raises=(UnauthorizedError,))
