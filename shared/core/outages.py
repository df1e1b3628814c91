"""Which failures are a dependency being away (answered 503 with Retry-After), not a bug (answered 500).

One classification for the adapter, the jobs and the engine (which discards a connection that failed
this way). It reads the exception chain and imports nothing: a driver that is not loaded raised nothing.
"""
from __future__ import annotations

import sys

__all__ = ["is_outage"]

# PostgreSQL's SQLSTATE classes and codes that mean "not now": 08 connection exception; 53 insufficient
# resources (too many connections, out of memory, disk full); 57 operator intervention (shutting down,
# starting up, crashed, cancelled, database dropped); 25006 a read-only transaction (a standby after a failover).
_SQLSTATE_PREFIXES = ("08", "53", "57", "25006")


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) says a dependency refused, dropped or timed out, rather than a bug."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if _is_outage_itself(link):
            return True
        orig = getattr(link, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
        link = orig if isinstance(orig, BaseException) and id(orig) not in seen else link.__cause__
    return False


def _is_outage_itself(exc: BaseException) -> bool:
    if isinstance(exc, (OSError, TimeoutError)):  # refused, reset, unreachable, no such socket, timed out
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_SQLSTATE_PREFIXES):
        return True
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None:
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):  # no pooled connection came free
            return True
    asyncpg_exc = sys.modules.get("asyncpg.exceptions")
    # A connection closed under a statement carries SQLSTATE 08003; one used after it closed says so.
    closed = asyncpg_exc is not None and isinstance(exc, asyncpg_exc.InterfaceError)
    return closed and "connection is closed" in str(exc)
