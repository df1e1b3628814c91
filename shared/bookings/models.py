"""Bookings: seats held on a departure, paid, cancelled, expired or completed."""

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, utcnow, uuid_pk

STATUSES = ("pending", "confirmed", "cancelled", "expired", "completed")
HOLDING = ("pending", "confirmed")  # the statuses whose seats count against capacity
PAYMENT_METHODS = ("card", "offline")
REFUND_STATUSES = ("pending", "done", "offline")  # offline: paid back by staff, never through the provider
WAITLIST_STATUSES = ("waiting", "offered")


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 10", name="seats"),
        CheckConstraint("total_cents >= 0", name="total"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("refunded_cents BETWEEN 0 AND paid_cents", name="refunded"),
        CheckConstraint(f"payment_method IN {PAYMENT_METHODS}", name="payment_method"),
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
    paid_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    payment_method: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # moves with every change a person makes
    checked_in_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now(), onupdate=utcnow)


class Refund(Base):
    """Money owed back for one change of a booking: written with the change, then paid by the provider.

    The row exists exactly when the change does (same transaction), and its id is the provider's idempotency
    key, so however often it is settled (the request, a retry, the job after a crash) the money moves once.
    """

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount"),
        CheckConstraint(f"status IN {REFUND_STATUSES}", name="status"),
        UniqueConstraint("booking_id", "version", name="uq_refund_booking_version"),
        Index("ix_refund_pending", "created_at", postgresql_where="status = 'pending'"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking.id"))
    version: Mapped[int]  # the booking's version the change made: one refund per change
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = created_at()
    settled_at: Mapped[dt.datetime | None]


class WaitlistEntry(Base):
    """Someone waiting for seats on a sold-out departure; served first come, first served (`seq`)."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 10", name="seats"),
        CheckConstraint(f"status IN {WAITLIST_STATUSES}", name="status"),
        Index("ix_waitlist_entry_waiting", "departure_id", "seq", postgresql_where="status = 'waiting'"),
        Index("uq_waitlist_entry_user_waiting", "user_id", "departure_id", unique=True,
              postgresql_where="status = 'waiting'"),
        Index("ix_waitlist_entry_user_created", "user_id", text("created_at DESC"), text("id DESC")),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    departure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departure.id"))
    seats: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="waiting", server_default="waiting")
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"))
    offered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = created_at()
