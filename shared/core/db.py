"""The async engine: created lazily, once per event loop (one per Lambda execution environment)."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
import weakref
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from shared.core import metrics, outages
from shared.core.settings import get_settings

_engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncEngine] = weakref.WeakKeyDictionary()
_autocommit_engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncEngine] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# Tests bind every session to one connection whose transaction is rolled back at the end.
_bound_connection: ContextVar[AsyncConnection | None] = ContextVar("bound_connection", default=None)


def get_engine() -> AsyncEngine:
    loop = asyncio.get_running_loop()
    engine = _engines.get(loop)
    if engine is None:
        with _lock:
            engine = _engines.get(loop)
            if engine is None:
                engine = _engines[loop] = create_engine()
    return engine


def create_engine(**overrides: Any) -> AsyncEngine:
    settings = get_settings()
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout_seconds,
        "server_settings": {"application_name": settings.service_name},
    }
    options: dict[str, Any] = {"hide_parameters": True}
    if settings.db_pooler_safe:
        # Transaction-mode poolers hand each transaction another server connection, so prepared
        # statements must not outlive a statement. The connection to the pooler itself is kept:
        # reconnecting on every invocation would cost far more than it saves.
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4()}__",
        }
    if "poolclass" not in overrides:
        overflow = settings.db_pool_size if settings.db_pool_overflow is None else settings.db_pool_overflow
        options |= {"pool_size": settings.db_pool_size, "max_overflow": overflow, "pool_recycle": 1800}
    engine = create_async_engine(settings.database_url, connect_args=connect_args, **(options | overrides))
    _time_statements(engine)
    _ping_when_idle(engine, settings.db_ping_idle_seconds)
    _discard_on_outage(engine)
    return engine


def new_session(*, autocommit: bool = False) -> AsyncSession:
    """A session; `autocommit`: each statement commits as it runs (no BEGIN, no COMMIT), unless bound (tests)."""
    connection = _bound_connection.get()
    if connection is not None:
        return AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    return AsyncSession(bind=_autocommit_engine() if autocommit else get_engine(), expire_on_commit=False)


def _autocommit_engine() -> AsyncEngine:
    """The running loop's engine, its connections in autocommit (the same pool; reset when given back)."""
    engine, loop = get_engine(), asyncio.get_running_loop()
    autocommit = _autocommit_engines.get(loop)
    if autocommit is None or autocommit.sync_engine.pool is not engine.sync_engine.pool:  # made for an engine gone
        autocommit = _autocommit_engines[loop] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return autocommit


def is_bound() -> bool:
    """Whether sessions are routed to one connection (tests)."""
    return _bound_connection.get() is not None


def bind_connection(connection: AsyncConnection | None) -> Any:
    """Route every new session to `connection` (tests); returns a token for `unbind`."""
    return _bound_connection.set(connection)


def unbind(token: Any) -> None:
    _bound_connection.reset(token)


def loops() -> set[asyncio.AbstractEventLoop]:
    """The loops that have an engine (SnapStart closes each before the snapshot)."""
    with _lock:
        return set(_engines)


def forget_engines() -> None:
    """Drop every engine without closing it: the next request makes a fresh pool (after a SnapStart restore)."""
    with _lock:
        _engines.clear()
        _autocommit_engines.clear()


async def dispose_all() -> None:
    """Close the engine of the running loop (shutdown, tests)."""
    _autocommit_engines.pop(asyncio.get_running_loop(), None)
    engine = _engines.pop(asyncio.get_running_loop(), None)
    if engine is not None:
        await engine.dispose()


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pre-ping a pooled connection that sat idle (a frozen Lambda, a database restart), not every one.

    SQLAlchemy's `pool_pre_ping` pings at every checkout, and asyncpg's ping is three round trips
    (BEGIN, `;`, ROLLBACK): under load that was a third of a booking's statements, for a connection
    used a moment before. A dead connection is swapped for a new one before the request uses it.
    """

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.driver_connection.is_closed():  # the server closed it (a restart): no round trip needed
            raise DisconnectionError("the pooled connection was closed")
        idle_since = record.info.get("idle_since")  # none yet: connected just now
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the pool discards it and connects again
            raise DisconnectionError("the pooled connection is gone") from exc


def _discard_on_outage(engine: AsyncEngine) -> None:
    """A connection that failed with an outage (shutting down, a standby after a failover, a dropped socket)
    is discarded with the pool's other connections of its age, so the pool heals without a restart.

    SQLAlchemy's asyncpg dialect only counts a connection it sees closed; a server that is shutting down or
    that became a read-only standby leaves it open but useless.
    """

    @event.listens_for(engine.sync_engine, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        if not context.is_disconnect and outages.is_outage(context.original_exception):
            context.is_disconnect = True


def _time_statements(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault("query_started", []).append(time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _stop(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        started = conn.info["query_started"].pop()
        operation = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else "unknown"
        metrics.observe_integration("db", operation, time.perf_counter() - started)
