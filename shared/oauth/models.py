"""Sign-in through other providers: linked identities, flows in progress, one-minute login codes."""

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, uuid_pk


class Identity(Base):
    """An account at a provider (its `sub`) linked to one of ours; one per provider and account."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"), UniqueConstraint("user_id", "provider"))

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    linked_at: Mapped[dt.datetime] = created_at()


class OAuthFlow(Base):
    """An authorization started by one browser: found by the hash of its `state`, spent once, for 10 minutes."""

    __tablename__ = "oauth_flow"

    id: Mapped[uuid.UUID] = uuid_pk()
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the HttpOnly cookie that started it
    provider: Mapped[str] = mapped_column(String(32))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class LoginCode(Base):
    """What the callback hands the web app instead of tokens: single use, 60 seconds, stored as its SHA-256."""

    __tablename__ = "login_code"

    id: Mapped[uuid.UUID] = uuid_pk()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
