"""bookings idempotency outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:04:20.726747
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_delivery")),
    )
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    op.create_index(
        "ix_outbox_event_unpublished",
        "outbox_event",
        ["created_at"],
        unique=False,
        postgresql_where="published_at IS NULL",
    )
    op.create_table(
        "idempotency_record",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('in_progress', 'done')", name=op.f("ck_idempotency_record_state")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_record_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_index(op.f("ix_idempotency_record_expires_at"), "idempotency_record", ["expires_at"], unique=False)
    op.create_table(
        "booking",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tour_id", sa.Uuid(), nullable=False),
        sa.Column("departure_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("travellers", postgresql.ARRAY(sa.String(length=200)), server_default="{}", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'cancelled', 'expired', 'completed')", name=op.f("ck_booking_status")
        ),
        sa.CheckConstraint("seats BETWEEN 1 AND 10", name=op.f("ck_booking_seats")),
        sa.CheckConstraint("total_cents >= 0", name=op.f("ck_booking_total")),
        sa.ForeignKeyConstraint(["departure_id"], ["departure.id"], name=op.f("fk_booking_departure_id_departure")),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_booking_tour_id_tour")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_booking_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    op.create_index(
        "ix_booking_confirmed_ends", "booking", ["ends_on"], unique=False, postgresql_where="status = 'confirmed'"
    )
    op.create_index(
        "ix_booking_created",
        "booking",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index("ix_booking_departure_status", "booking", ["departure_id", "status"], unique=False)
    op.create_index(
        "ix_booking_pending_expiry", "booking", ["expires_at"], unique=False, postgresql_where="status = 'pending'"
    )
    op.create_index("ix_booking_tour", "booking", ["tour_id"], unique=False)
    op.create_index(
        "ix_booking_user_created",
        "booking",
        ["user_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_booking_user_created", table_name="booking")
    op.drop_index("ix_booking_tour", table_name="booking")
    op.drop_index("ix_booking_pending_expiry", table_name="booking", postgresql_where="status = 'pending'")
    op.drop_index("ix_booking_departure_status", table_name="booking")
    op.drop_index("ix_booking_created", table_name="booking")
    op.drop_index("ix_booking_confirmed_ends", table_name="booking", postgresql_where="status = 'confirmed'")
    op.drop_table("booking")
    op.drop_index(op.f("ix_idempotency_record_expires_at"), table_name="idempotency_record")
    op.drop_table("idempotency_record")
    op.drop_index("ix_outbox_event_unpublished", table_name="outbox_event", postgresql_where="published_at IS NULL")
    op.drop_table("outbox_event")
    op.drop_table("delivery")
