"""Is the service up: the database is required, the cache only helps."""
from __future__ import annotations

import asyncio

from sqlalchemy import text

from shared.core.cache import get_cache
from shared.core.uow import UnitOfWork
from shared.system.schemas import HealthChecks, HealthOut

CHECK_TIMEOUT_SECONDS = 2.0


async def check_health(uow: UnitOfWork) -> HealthOut:
    """Ping the database and the cache."""
    database, cache = await asyncio.gather(_database_ok(uow), get_cache().healthy())
    checks = HealthChecks(database="ok" if database else "down", cache="ok" if cache else "down")
    return HealthOut(status="ok" if database and cache else "degraded", checks=checks)


async def _database_ok(uow: UnitOfWork) -> bool:
    try:
        await asyncio.wait_for(uow.session.execute(text("SELECT 1")), CHECK_TIMEOUT_SECONDS)
    except Exception:  # any failure means "down"; the report says so instead of failing
        return False
    return True
