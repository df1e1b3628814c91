from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from shared.core import db
from shared.core.outbox import OutboxEvent
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork


@asynccontextmanager
async def engine_with(monkeypatch: pytest.MonkeyPatch, **environment: str) -> AsyncIterator[AsyncEngine]:
    """An engine made under these settings, disposed of afterwards."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    engine = db.create_engine()
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_pooler_safe_mode_prepares_nothing_that_outlives_a_statement(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine_with(monkeypatch, DB_POOLER_SAFE="true") as engine, engine.connect() as connection:
        for _ in range(2):
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
        raw = await connection.get_raw_connection()
        assert raw.driver_connection._stmt_cache.get_max_size() == 0  # type: ignore[union-attr]
        left = (await connection.execute(text("SELECT statement FROM pg_prepared_statements"))).scalars().all()
        assert all("pg_prepared_statements" in statement for statement in left)  # only this very query


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(pid: int) -> None:
    other = db.create_engine(poolclass=NullPool)
    try:
        async with other.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})  # waits for it
    finally:
        await other.dispose()


async def test_the_pool_keeps_its_size_and_closes_what_it_opened_beyond_it_for_a_burst(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine_with(monkeypatch, DB_POOL_SIZE="2", DB_POOL_OVERFLOW="1") as engine:
        held = [await engine.connect() for _ in range(3)]  # the pool's two and one for the burst
        pids = {(await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() for connection in held}
        for connection in held:
            await connection.close()
        assert len(pids) == 3
        alive = 3
        for _ in range(50):  # the burst's connection was closed on its return: its server process ends
            async with engine.connect() as connection:
                alive = (await connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                                                  {"pids": list(pids)})).scalar_one()
            if alive == 2:
                break
            await asyncio.sleep(0.05)
        assert alive == 2  # the pool's two are kept


async def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every connection counts as idle: pinged at checkout
    async with engine_with(monkeypatch, DB_PING_IDLE_SECONDS="0") as engine:
        first = await _backend_pid(engine)
        await _terminate(first)  # a database restart, a proxy timeout
        assert await _backend_pid(engine) != first  # no error: the dead connection was replaced


async def test_a_connection_used_a_moment_ago_is_not_pinged_and_one_the_server_closed_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", lambda connection: pings.append(connection))
    async with engine_with(monkeypatch, DB_PING_IDLE_SECONDS="3600") as engine:
        first = await _backend_pid(engine)
        assert await _backend_pid(engine) == first and pings == []  # reused without a round trip
        await _terminate(first)  # a database restart, a failover
        # The driver saw the server close it: the pool lets it go at checkout, still without a ping.
        assert await _backend_pid(engine) != first and pings == []


async def _in_a_transaction(uow: UnitOfWork) -> bool:
    """Whether two statements of the session run in one transaction (the same transaction id)."""
    first, second = [await uow.session.scalar(text("SELECT pg_current_xact_id()::text")) for _ in range(2)]
    return bool(first == second)


async def test_a_unit_of_work_that_reads_alone_has_no_transaction_until_commit_alone(database_url: str) -> None:
    async with UnitOfWork(reads_alone=True) as uow:
        assert not await _in_a_transaction(uow)  # each read its own transaction: no BEGIN, no COMMIT
        row = await uow.commit_alone(text("SELECT 41 + 1 AS answer"), {})
        assert row is not None and row.answer == 42
        assert await _in_a_transaction(uow)  # what follows (publishing its events) is transactional again
    async with UnitOfWork() as uow:
        assert await _in_a_transaction(uow)


async def test_a_unit_of_work_that_reads_alone_refuses_any_other_write(database_url: str) -> None:
    async with UnitOfWork(reads_alone=True) as uow:
        uow.session.add(OutboxEvent(type="test.never", aggregate_id=uuid.uuid4(), user_id=None, payload={}))
        with pytest.raises(RuntimeError, match="commit_alone"):
            await uow.commit()
