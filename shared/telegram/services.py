"""Telegram: linking a chat by deep link, the bot's webhook, and notifications sent to linked chats.

Linking: `start_link` makes a single-use token (15 minutes, stored as its SHA-256) and the link
`https://t.me/<bot>?start=<token>`; Telegram opens the bot, the user presses Start, and the bot's webhook receives
`/start <token>`, which links that chat to the token's account (answered in the webhook's response, so the reply
costs no extra request). A chat belongs to one account: linking it again moves it.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from shared.core.errors import NotFoundError
from shared.core.orm import utcnow
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.notifications import preferences
from shared.telegram import bot, messages
from shared.telegram.models import TelegramLink
from shared.users import account_tokens
from shared.users.account_tokens import AccountToken
from shared.users.models import User

logger = logging.getLogger("tourbook.telegram")
LINK_TELEGRAM = "link_telegram"  # account_token.purpose


@dataclass(frozen=True)
class LinkStarted:
    url: str
    expires_in: int


async def start_link(uow: UnitOfWork, *, user: User) -> LinkStarted:
    """A deep link that links the Telegram chat it is opened in to the caller's account (once, for 15 minutes)."""
    settings = get_settings()
    if not settings.telegram_bot_username or settings.telegram_bot_token is None:
        raise NotFoundError("Telegram is not configured on this server")
    token = account_tokens.new_token()
    ttl = settings.telegram_link_ttl_seconds
    uow.session.add(AccountToken(user_id=user.id, purpose=LINK_TELEGRAM, token_hash=account_tokens.fingerprint(token),
                                 expires_at=utcnow() + dt.timedelta(seconds=ttl)))
    await uow.commit()
    return LinkStarted(url=f"https://t.me/{settings.telegram_bot_username}?start={token}", expires_in=ttl)


async def unlink(uow: UnitOfWork, *, user: User) -> None:
    """Forget the caller's chat (nothing is sent there any more)."""
    await uow.session.execute(delete(TelegramLink).where(TelegramLink.user_id == user.id))
    await uow.commit()


async def handle_update(uow: UnitOfWork, *, chat_id: int | None, text: str | None) -> dict[str, Any] | None:
    """A Bot API update: `/start <token>` links the chat. The reply to send back, or None."""
    if chat_id is None or text is None or not text.startswith("/start"):
        return None
    token = text.removeprefix("/start").strip()
    if not token:
        return None
    now = utcnow()
    user_id = await uow.session.scalar(
        update(AccountToken).where(AccountToken.token_hash == account_tokens.fingerprint(token[:200]),
                                   AccountToken.purpose == LINK_TELEGRAM, AccountToken.used_at.is_(None),
                                   AccountToken.expires_at > now)
        .values(used_at=now).returning(AccountToken.user_id)
    )
    user = await uow.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        await uow.rollback()
        return _reply(chat_id, messages.text("link_expired", "en"))
    await uow.session.execute(delete(TelegramLink).where(TelegramLink.chat_id == chat_id,
                                                         TelegramLink.user_id != user.id))
    await uow.session.execute(
        insert(TelegramLink).values(user_id=user.id, chat_id=chat_id, linked_at=now)
        .on_conflict_do_update(index_elements=[TelegramLink.user_id], set_={"chat_id": chat_id, "linked_at": now})
    )
    locale = user.locale
    await uow.commit()
    return _reply(chat_id, messages.text("linked", locale))


def _reply(chat_id: int, text: str) -> dict[str, Any]:
    return {"method": "sendMessage", "chat_id": chat_id, "text": text}


async def notify(uow: UnitOfWork, *, event_type: str, user_id: uuid.UUID | None, payload: dict[str, Any]) -> bool:
    """Send an event's text to its user's chat; False when there is nothing to send (no text for the event, no
    linked chat, the channel turned off). A chat that is gone (bot blocked, chat deleted) is unlinked."""
    if user_id is None or not messages.sends(event_type):
        return False
    if not await preferences.channel_enabled(uow, user_id=user_id, channel="telegram"):
        return False
    row = (await uow.session.execute(
        select(TelegramLink.chat_id, User.locale).join(User, User.id == TelegramLink.user_id)
        .where(TelegramLink.user_id == user_id, User.is_active)
    )).one_or_none()
    if row is None:
        return False
    chat_id, locale = row
    text = messages.event_text(event_type, locale, payload, tour=await _tour_title(uow, payload.get("tour_id")))
    try:
        await bot.send_message(chat_id, text)
    except bot.ChatGoneError as gone:
        logger.info("the chat is gone, unlinked: %s", gone, extra={"user_id": str(user_id)})
        await uow.session.execute(delete(TelegramLink).where(TelegramLink.user_id == user_id,
                                                             TelegramLink.chat_id == chat_id))
        return False
    return True


async def _tour_title(uow: UnitOfWork, tour_id: Any) -> str:
    from shared.tours.models import Tour

    try:
        found = uuid.UUID(str(tour_id)) if tour_id else None
    except ValueError:
        return ""
    return (await uow.session.scalar(select(Tour.title).where(Tour.id == found)) or "") if found else ""
