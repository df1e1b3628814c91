"""Accounts and their token families: what every signed-in request reads (`shared.users.access`)."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, uuid_pk

ROLES = ("user", "guide", "admin")
LOCALES = ("en", "ru")  # the languages of the e-mails (and of the web app)


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'guide', 'admin')", name="role"),
        CheckConstraint("locale IN ('en', 'ru')", name="locale"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    avatar_key: Mapped[str | None] = mapped_column(String(300))
    email_verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    locale: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    # The avatar's WebP thumbnail once MakeThumbnailsFunction has made it: {"256": key}.
    avatar_thumbnail_keys: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict,
                                                                  server_default=text("'{}'::jsonb"))
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    deleted_at: Mapped[dt.datetime | None]

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def avatar_url(self) -> str | None:
        """A URL to show the avatar (made now: presigned URLs expire)."""
        if self.avatar_key is None:
            return None
        from shared.core import uploads  # boto3 only for users who have an avatar

        return uploads.public_urls([self.avatar_key])[0]

    @property
    def avatar_thumbnails(self) -> dict[str, str]:
        """URLs of the avatar's thumbnails by size ({} until they are made)."""
        if not self.avatar_thumbnail_keys:
            return {}
        from shared.core import uploads

        sizes = list(self.avatar_thumbnail_keys)
        return dict(zip(sizes, uploads.public_urls([self.avatar_thumbnail_keys[size] for size in sizes])))


class TokenFamily(Base):
    """One login: every refresh token rotated from it, and every access token naming it."""

    __tablename__ = "token_family"
    __table_args__ = (Index(None, "user_id", postgresql_where="revoked_at IS NULL"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = created_at()
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
