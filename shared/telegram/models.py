"""Telegram chats linked to accounts: where the bot sends a user's notifications."""

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at


class TelegramLink(Base):
    """One chat per account and one account per chat."""

    __tablename__ = "telegram_link"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    linked_at: Mapped[dt.datetime] = created_at()
