"""The e-mail an outbox event sends to its user, in the user's locale; None when there is none to send.

The consumer reads a batch's users at once (`recipients`), then composes each message without the database."""
from __future__ import annotations

import functools
import io
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from shared.users.config import account_settings
from shared.core.uow import UnitOfWork
from shared.mail.compose import Inline, Mail, render, templates
from shared.users.models import User

ACCOUNT_EVENTS = {"account.verify_email": ("verify_email", "verify-email"),
                  "account.reset_password": ("reset_password", "reset-password")}


def sends_mail(event_type: str) -> bool:
    return event_type in _known()


async def recipients(uow: UnitOfWork, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, User]:
    """The users among these that mail may go to (not deleted, not deactivated), in one query."""
    if not user_ids:
        return {}
    users = await uow.session.scalars(
        select(User).where(User.id.in_(user_ids), User.deleted_at.is_(None), User.is_active))
    return {user.id: user for user in users}


def compose(*, event_type: str, user: User | None, payload: dict[str, Any], tour_title: str = "") -> Mail | None:
    """The message to `user` (one of `recipients`), or None: no template for the event, or no one to send it to."""
    if not sends_mail(event_type) or user is None:
        return None
    web = account_settings().public_web_url.rstrip("/")
    context: dict[str, Any] = {"name": user.full_name or "", "email": user.email, "web": web, "event": payload}
    inline: tuple[Inline, ...] = ()
    if event_type in ACCOUNT_EVENTS:
        context["link"] = _account_link(event_type, payload, web)
    if event_type.startswith(("booking.", "waitlist.")):
        context["tour_title"] = tour_title
        booking_id = payload.get("booking_id") or (payload.get("id") if event_type.startswith("booking.") else None)
        if booking_id:
            context["booking_link"] = f"{web}/bookings/{booking_id}"
    if event_type == "booking.confirmed":
        from shared.bookings import tickets

        code = tickets.code_for(uuid.UUID(str(payload["id"])))
        context["code"] = code
        inline = (Inline("qr", _qr_png(code)),)
    subject, text, html = render(event_type, user.locale, context)
    return Mail(to=user.email, subject=subject, text=text, html=html, inline=inline)


def _account_link(event_type: str, payload: dict[str, Any], web: str) -> str:
    from urllib.parse import quote

    from shared.users.account_tokens import unseal

    purpose, page = ACCOUNT_EVENTS[event_type]
    token = unseal(str(payload["sealed_token"]), purpose=purpose, token_id=uuid.UUID(str(payload["token_id"])))
    return f"{web}/{page}?token={quote(token)}"


def _qr_png(code: str) -> bytes:
    import segno  # PNG, not the ticket page's SVG: mail clients show PNG, few show SVG

    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(templates())
