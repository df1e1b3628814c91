"""Fixtures of the integration tier (services against the real PostgreSQL and cache)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event

from shared.core import db
from shared.core.uow import UnitOfWork


@pytest.fixture
async def statements(uow: UnitOfWork) -> AsyncIterator[list[str]]:
    """The SQL statements the runtime's engine sends during the test, in order (clear it to start counting)."""
    log: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        log.append(statement)

    engine = db.get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield log
    event.remove(engine, "before_cursor_execute", record)
