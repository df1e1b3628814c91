"""accounts by e-mail: verified addresses, locales, single-use account tokens, deliveries per channel

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("email_verified", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("user_account", sa.Column("locale", sa.String(length=2), server_default="en", nullable=False))
    op.create_check_constraint(op.f("ck_user_account_locale"), "user_account", "locale IN ('en', 'ru')")
    op.create_table(
        "account_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_account_token_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    op.create_index(op.f("ix_account_token_user_id"), "account_token", ["user_id", "purpose", "created_at"])
    # Deliveries are per event *and channel* (webhook, email): the rows so far were the webhook's.
    op.add_column("delivery", sa.Column("channel", sa.String(length=16), server_default="webhook", nullable=False))
    op.drop_constraint(op.f("pk_delivery"), "delivery", type_="primary")
    op.create_primary_key(op.f("pk_delivery"), "delivery", ["event_id", "channel"])


def downgrade() -> None:
    op.execute("DELETE FROM delivery WHERE channel <> 'webhook'")
    op.drop_constraint(op.f("pk_delivery"), "delivery", type_="primary")
    op.create_primary_key(op.f("pk_delivery"), "delivery", ["event_id"])
    op.drop_column("delivery", "channel")
    op.drop_index(op.f("ix_account_token_user_id"), table_name="account_token")
    op.drop_table("account_token")
    op.drop_constraint(op.f("ck_user_account_locale"), "user_account", type_="check")
    op.drop_column("user_account", "locale")
    op.drop_column("user_account", "email_verified")
