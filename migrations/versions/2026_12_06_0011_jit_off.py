"""JIT off for the application's database: catalogue statements are short, and compiling one cost more than running it

At 1 000 000 tours the planner's estimate for the date-window search (a fallback branch that is never run on a
full first page) passes `jit_above_cost`, and every such request paid about 45 ms of JIT compilation for a
statement that runs in under 5 ms (EXPLAIN ANALYZE in bench/results/catalogue.json). Set on the database rather
than per connection, so that it also holds behind RDS Proxy or PgBouncer, which refuse unknown startup parameters.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = off', current_database()); END $$")


def downgrade() -> None:
    op.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET jit', current_database()); END $$")
