"""seats version: orders the seat counts cached after each commit (shared/tours/seats.py)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:27:54.387702
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("departure", sa.Column("seats_version", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("departure", "seats_version")
