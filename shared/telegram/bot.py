"""The Bot API's `sendMessage`, at `TELEGRAM_API_URL` with `TELEGRAM_BOT_TOKEN` (the token is part of the URL,
so the URL is never logged)."""
from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request

from shared.core import jobs, metrics
from shared.telegram.config import telegram_settings

logger = logging.getLogger("tourbook.telegram")
GONE_DESCRIPTIONS = ("chat not found", "bot was blocked", "user is deactivated", "bot was kicked",
                     "have no rights to send")


class TelegramError(jobs.RetryLater):
    """The Bot API did not take the message (down, rate-limited): the event is received again later."""


class ChatGoneError(Exception):
    """The chat will never take a message again (the bot was blocked, the chat deleted): unlink, do not retry."""


async def send_message(chat_id: int, text: str) -> None:
    settings = telegram_settings()
    if settings.telegram_bot_token is None:
        raise TelegramError("TELEGRAM_BOT_TOKEN is not set")
    url = f"{settings.telegram_api_url.rstrip('/')}/bot{settings.telegram_bot_token.get_secret_value()}/sendMessage"
    body = json.dumps({"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}).encode()
    started = time.perf_counter()
    try:
        status, answer = await asyncio.to_thread(_post, url, body, settings.telegram_timeout_seconds)
    except OSError as exc:
        metrics.count_outgoing("telegram", "error")
        raise TelegramError(f"The Bot API is unreachable ({exc.__class__.__name__})") from None
    finally:
        metrics.observe_integration("http", "telegram", time.perf_counter() - started)
    if status == 200 and answer.get("ok") is True:
        metrics.count_outgoing("telegram", "ok")
        return
    metrics.count_outgoing("telegram", "error")
    description = str(answer.get("description", ""))[:200]
    if status == 403 or (status == 400 and any(gone in description.lower() for gone in GONE_DESCRIPTIONS)):
        raise ChatGoneError(description or f"HTTP {status}")
    raise TelegramError(f"The Bot API answered {status}: {description}")


def _post(url: str, body: bytes, timeout: float) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured API
            return int(response.status), _json(response.read(65536))
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _json(error.read(65536))


def _json(raw: bytes) -> dict[str, object]:
    try:
        answer = json.loads(raw)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
