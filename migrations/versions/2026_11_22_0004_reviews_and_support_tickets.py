"""reviews and support tickets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 21:17:48.735823
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tour_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_review_rating")),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_review_tour_id_tour"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_review_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("user_id", "tour_id", name=op.f("uq_review_user_id_tour_id")),
    )
    op.create_index(
        "ix_review_tour_created",
        "review",
        ["tour_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_table(
        "support_ticket",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'resolved', 'closed')", name=op.f("ck_support_ticket_status")
        ),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], name=op.f("fk_support_ticket_booking_id_booking")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_support_ticket_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_ticket")),
    )
    op.create_index(
        "ix_support_ticket_created",
        "support_ticket",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_support_ticket_status_created",
        "support_ticket",
        ["status", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_support_ticket_user_created",
        "support_ticket",
        ["user_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_support_ticket_user_created", table_name="support_ticket")
    op.drop_index("ix_support_ticket_status_created", table_name="support_ticket")
    op.drop_index("ix_support_ticket_created", table_name="support_ticket")
    op.drop_table("support_ticket")
    op.drop_index("ix_review_tour_created", table_name="review")
    op.drop_table("review")
