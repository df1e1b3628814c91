"""Bookings: seats held on a departure, paid, cancelled, expired or completed."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, utcnow, uuid_pk

STATUSES = ("pending", "confirmed", "cancelled", "expired", "completed")
HOLDING = ("pending", "confirmed")  # the statuses whose seats count against capacity


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 10", name="seats"),
        CheckConstraint("total_cents >= 0", name="total"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("ix_booking_user_created", "user_id", text("created_at DESC"), text("id DESC")),
        Index("ix_booking_created", text("created_at DESC"), text("id DESC")),
        Index("ix_booking_departure_status", "departure_id", "status"),
        Index("ix_booking_tour", "tour_id"),
        Index("ix_booking_pending_expiry", "expires_at", postgresql_where="status = 'pending'"),
        Index("ix_booking_confirmed_ends", "ends_on", postgresql_where="status = 'confirmed'"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    tour_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tour.id"))
    departure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departure.id"))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]  # the trip's last day: the booking completes after it
    seats: Mapped[int]
    travellers: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list, server_default="{}")
    note: Mapped[str | None] = mapped_column(Text)
    total_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    expires_at: Mapped[dt.datetime | None]
    payment_started_at: Mapped[dt.datetime | None]  # a payment call is under way: the expiry job waits
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    checked_in_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now(), onupdate=utcnow)
