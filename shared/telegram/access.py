"""The bot's webhook is called by Telegram only: it sends `X-Telegram-Bot-Api-Secret-Token` as set with setWebhook."""
from __future__ import annotations

import secrets

from shared.core.errors import UnauthorizedError
from shared.core.http import Request
from shared.telegram.config import telegram_settings


async def telegram(request: Request) -> None:
    """Anonymous, but only with the webhook's secret (401 without it, and while no secret is configured)."""
    secret = telegram_settings().telegram_webhook_secret
    expected = secret.get_secret_value() if secret is not None else ""
    sent = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise UnauthorizedError("The webhook's secret token is missing or wrong")
    return None
