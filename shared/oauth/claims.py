"""Who a provider says the user is, as the linking rules read it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Claims:
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    locale: str | None


def from_id_token(claims: dict[str, Any]) -> Claims:
    verified = claims.get("email_verified")
    locale = claims.get("locale")
    return Claims(subject=str(claims["sub"])[:255], email=email(claims.get("email")),
                  email_verified=verified is True or verified == "true", name=name(claims.get("name")),
                  locale=locale[:2].lower() if isinstance(locale, str) else None)


def email(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and "@" in value and len(value.strip()) <= 320 else None


def name(value: Any) -> str | None:
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None
