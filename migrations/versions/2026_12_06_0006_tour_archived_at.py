"""tour archived at: a deleted tour that had bookings is archived, not removed (its bookings refer to it)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tour", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_tour_archived_unpublished"), "tour", "archived_at IS NULL OR NOT is_published")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_tour_archived_unpublished"), "tour", type_="check")
    op.drop_column("tour", "archived_at")
