"""Every domain's models, so the metadata (Alembic, tests) sees the whole schema."""
from __future__ import annotations


def load_all() -> None:
    from shared.users import models  # noqa: F401
