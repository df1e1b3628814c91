"""Single-use tokens sent by e-mail: verifying an address, resetting a password.

A token is 32 random bytes (base64url). The database keeps only its SHA-256, so a leaked table yields no
live token. The mail that carries it is written later, from the outbox, so the event carries the token
*sealed*: XORed with HMAC-SHA256(key, "<purpose>:<row id>"), a pad that is never reused (one row, one
token) and that only holders of `JWT_SECRET` can compute; neither the outbox nor the webhook sees a token.
"""

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, uuid_pk
from shared.core.settings import get_settings

VERIFY_EMAIL, RESET_PASSWORD = "verify_email", "reset_password"
TOKEN_BYTES = 32  # 256 random bits


class AccountToken(Base):
    __tablename__ = "account_token"
    __table_args__ = (Index(None, "user_id", "purpose", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seal(token: str, *, purpose: str, token_id: uuid.UUID) -> str:
    raw = _decode(token)
    return _encode(bytes(a ^ b for a, b in zip(raw, _pad(purpose, token_id), strict=True)))


def unseal(sealed: str, *, purpose: str, token_id: uuid.UUID) -> str:
    return seal(sealed, purpose=purpose, token_id=token_id)  # XOR is its own inverse


def _pad(purpose: str, token_id: uuid.UUID) -> bytes:
    key = hmac.new(get_settings().jwt_secret.get_secret_value().encode(), b"tourbook-account-token-seal",
                   hashlib.sha256).digest()
    return hmac.new(key, f"{purpose}:{token_id}".encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
