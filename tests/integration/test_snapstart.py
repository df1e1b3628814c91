"""SnapStart, simulated in one process: init, the before-snapshot hooks, then two restores from that snapshot.

Each restore starts from the snapshot's state (its `random` state included) and must end up with its own
connections, random stream, metrics identity and cold start, and serve its first request from real
PostgreSQL and Redis.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text

from functions.system import get_health
from local_gateway import events
from shared.core import cache, db, metrics, snapstart
from shared.core.cache_redis import RedisBackend
from shared.core.settings import reset_settings
from tests import services
from tests.support.invoke import LambdaContext


def _new_loop() -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())


def _first_request() -> dict[str, Any]:
    event = events.http_event("GET", "/v1/health", route_key="GET /v1/health")
    result = events.read_result(get_health.handler(event, LambdaContext()))  # type: ignore[arg-type]
    assert result.status == 200, result.body
    body: dict[str, Any] = json.loads(result.body)
    return body


async def _identity() -> dict[str, Any]:
    """What must differ between environments: the pooled connection, the Redis connection, the id, randomness."""
    engine = db.get_engine()
    async with engine.connect() as connection:
        backend = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    redis = cache.get_cache().backend
    assert isinstance(redis, RedisBackend)
    return {
        "engine": engine, "client": redis, "postgres_backend": backend,
        "redis_client": await redis.client_id(), "instance": metrics.instance_id(), "random": random.random(),
    }


async def _open_backends(pids: list[int]) -> list[int]:
    async with db.create_engine().connect() as connection:  # an outside view, not the environment's pool
        rows = await connection.execute(text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                                        {"pids": pids})
        return [row.pid for row in rows]


def test_two_environments_restored_from_one_snapshot_share_nothing(database_url: str) -> None:
    os.environ.update(REDIS_URL=services.redis_url(), DB_POOL_SIZE="1")
    reset_settings()
    colds = metrics.COLD_STARTS.labels("get_health")
    with ThreadPoolExecutor(max_workers=1, initializer=_new_loop) as environment:
        def run(coroutine: Any) -> Any:
            return environment.submit(lambda: asyncio.get_event_loop().run_until_complete(coroutine)).result()

        # Init, as a function whose init touched the database and Redis would leave it.
        assert environment.submit(_first_request).result()["checks"] == {"database": "ok", "cache": "ok"}
        before = run(_identity())
        environment.submit(snapstart.before_snapshot).result()
        assert run(_open_backends([before["postgres_backend"]])) == []  # no connection goes into the snapshot
        snapshot = random.getstate()

        restored = []
        for _ in range(2):
            random.setstate(snapshot)  # every restore starts from the snapshot's state
            cold_starts = colds._value.get()
            environment.submit(snapstart.after_restore).result()
            assert environment.submit(_first_request).result()["checks"] == {"database": "ok", "cache": "ok"}
            assert colds._value.get() == cold_starts + 1  # the first request after a restore is a cold start
            restored.append(run(_identity()))
            environment.submit(snapstart.before_snapshot).result()  # this environment ends: close its clients

    first, second = restored
    for key in ("engine", "client"):
        assert len({id(before[key]), id(first[key]), id(second[key])}) == 3, key
    for key in ("postgres_backend", "redis_client", "instance", "random"):
        assert len({before[key], first[key], second[key]}) == 3, key


def test_hooks_are_registered_only_when_lambda_initialises_for_a_snapshot(monkeypatch: Any) -> None:
    import snapshot_restore_py

    registered: list[str] = []
    monkeypatch.setattr(snapshot_restore_py, "register_before_snapshot", lambda hook: registered.append("before"))
    monkeypatch.setattr(snapshot_restore_py, "register_after_restore", lambda hook: registered.append("after"))
    monkeypatch.setattr(snapstart, "_installed", False)
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    snapstart.install()
    assert registered == []
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    snapstart.install()
    snapstart.install()
    assert registered == ["before", "after"]
