"""Support tickets: a question from a user, answered by an admin."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, utcnow, uuid_pk

STATUSES = ("open", "in_progress", "resolved", "closed")


class SupportTicket(Base):
    __tablename__ = "support_ticket"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("ix_support_ticket_user_created", "user_id", text("created_at DESC"), text("id DESC")),
        Index("ix_support_ticket_status_created", "status", text("created_at DESC"), text("id DESC")),
        Index("ix_support_ticket_created", text("created_at DESC"), text("id DESC")),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now(), onupdate=utcnow)


class TicketMessage(Base):
    """One message of a ticket's thread: the user's first message is the first of them."""

    __tablename__ = "ticket_message"
    __table_args__ = (
        CheckConstraint("author IN ('user', 'staff')", name="author"),
        Index("ix_ticket_message_ticket_created", "ticket_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at()
