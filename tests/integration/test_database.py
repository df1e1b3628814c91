from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.core import db
from shared.core.settings import reset_settings


async def test_pooler_safe_mode_prepares_nothing_that_outlives_a_statement(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_POOLER_SAFE", "true")
    reset_settings()
    engine = db.create_engine()
    try:
        async with engine.connect() as connection:
            for _ in range(2):
                assert (await connection.execute(text("SELECT 1"))).scalar() == 1
            raw = await connection.get_raw_connection()
            assert raw.driver_connection._stmt_cache.get_max_size() == 0  # type: ignore[union-attr]
            left = (await connection.execute(text("SELECT statement FROM pg_prepared_statements"))).scalars().all()
            assert all("pg_prepared_statements" in statement for statement in left)  # only this very query
    finally:
        await engine.dispose()
