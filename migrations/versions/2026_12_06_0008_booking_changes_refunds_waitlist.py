"""booking changes, refunds, waitlist: what a booking paid and got back, its version, refunds owed, the waitlist

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("booking", sa.Column("paid_cents", sa.Integer(), server_default="0", nullable=False))
    op.add_column("booking", sa.Column("refunded_cents", sa.Integer(), server_default="0", nullable=False))
    op.add_column("booking", sa.Column("payment_method", sa.String(length=16), nullable=True))
    op.add_column("booking", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    # Bookings confirmed before this revision were paid their total by card.
    op.execute("UPDATE booking SET paid_cents = total_cents, payment_method = 'card' "
               "WHERE payment_reference IS NOT NULL")
    op.create_check_constraint(op.f("ck_booking_refunded"), "booking", "refunded_cents BETWEEN 0 AND paid_cents")
    op.create_check_constraint(op.f("ck_booking_payment_method"), "booking",
                               "payment_method IN ('card', 'offline')")
    op.create_table(
        "refund",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refund_amount")),
        sa.CheckConstraint("status IN ('pending', 'done', 'offline')", name=op.f("ck_refund_status")),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], name=op.f("fk_refund_booking_id_booking")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("booking_id", "version", name="uq_refund_booking_version"),
    )
    op.create_index("ix_refund_pending", "refund", ["created_at"], unique=False,
                    postgresql_where="status = 'pending'")
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("departure_id", sa.Uuid(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="waiting", nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("seats BETWEEN 1 AND 10", name=op.f("ck_waitlist_entry_seats")),
        sa.CheckConstraint("status IN ('waiting', 'offered')", name=op.f("ck_waitlist_entry_status")),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], name=op.f("fk_waitlist_entry_booking_id_booking")),
        sa.ForeignKeyConstraint(["departure_id"], ["departure.id"],
                                name=op.f("fk_waitlist_entry_departure_id_departure")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_waitlist_entry_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entry")),
    )
    op.create_index("ix_waitlist_entry_waiting", "waitlist_entry", ["departure_id", "seq"], unique=False,
                    postgresql_where="status = 'waiting'")
    op.create_index("uq_waitlist_entry_user_waiting", "waitlist_entry", ["user_id", "departure_id"], unique=True,
                    postgresql_where="status = 'waiting'")
    op.create_index("ix_waitlist_entry_user_created", "waitlist_entry",
                    ["user_id", sa.text("created_at DESC"), sa.text("id DESC")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_waitlist_entry_user_created", table_name="waitlist_entry")
    op.drop_index("uq_waitlist_entry_user_waiting", table_name="waitlist_entry", postgresql_where="status = 'waiting'")
    op.drop_index("ix_waitlist_entry_waiting", table_name="waitlist_entry", postgresql_where="status = 'waiting'")
    op.drop_table("waitlist_entry")
    op.drop_index("ix_refund_pending", table_name="refund", postgresql_where="status = 'pending'")
    op.drop_table("refund")
    op.drop_constraint(op.f("ck_booking_payment_method"), "booking", type_="check")
    op.drop_constraint(op.f("ck_booking_refunded"), "booking", type_="check")
    op.drop_column("booking", "version")
    op.drop_column("booking", "payment_method")
    op.drop_column("booking", "refunded_cents")
    op.drop_column("booking", "paid_cents")
