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
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from shared.core.errors import NotFoundError
from shared.core.orm import utcnow
from shared.telegram.config import telegram_settings
from shared.core.uow import UnitOfWork
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
    settings = telegram_settings()
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


@dataclass(frozen=True)
class Chat:
    """Where a user's notifications go in Telegram, and in which language."""

    chat_id: int
    locale: str


async def linked_chats(uow: UnitOfWork, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Chat]:
    """The chats linked to these users' accounts (active ones), in one query."""
    if not user_ids:
        return {}
    rows = await uow.session.execute(
        select(TelegramLink.user_id, TelegramLink.chat_id, User.locale).join(User, User.id == TelegramLink.user_id)
        .where(TelegramLink.user_id.in_(user_ids), User.is_active)
    )
    return {user_id: Chat(chat_id, locale) for user_id, chat_id, locale in rows}


async def notify(chat: Chat, *, event_type: str, payload: dict[str, Any], tour_title: str) -> None:
    """Send an event's text to a linked chat. Raises `bot.ChatGoneError` when the chat will never take it (the caller
    unlinks it: `unlink_chat`), `bot.TelegramError` when it should be tried again later."""
    await bot.send_message(chat.chat_id, messages.event_text(event_type, chat.locale, payload, tour=tour_title))


async def unlink_chat(uow: UnitOfWork, *, user_id: uuid.UUID, chat: Chat) -> None:
    """Forget a chat that is gone (bot blocked, chat deleted), unless the user linked another meanwhile."""
    await uow.session.execute(delete(TelegramLink).where(TelegramLink.user_id == user_id,
                                                         TelegramLink.chat_id == chat.chat_id))
