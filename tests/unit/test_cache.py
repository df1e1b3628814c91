from __future__ import annotations

import asyncio

import fakeredis
import pytest

from shared.core import cache, metrics
from shared.core.cache import Cache, MemoryBackend, RedisBackend


def _count(result: str) -> float:
    return metrics.REGISTRY.get_sample_value(
        "tourbook_cache_requests_total", {"function": metrics.current_function.get(), "result": result}
    ) or 0.0


@pytest.fixture(params=["memory", "fakeredis"])
def backend(request: pytest.FixtureRequest) -> cache.Backend:
    if request.param == "memory":
        return MemoryBackend()
    return RedisBackend(fakeredis.FakeAsyncRedis())


async def test_values_round_trip_and_can_be_deleted(backend: cache.Backend) -> None:
    store = Cache(backend)
    assert await store.get("k") is None
    await store.set("k", b"v", ttl=60)
    assert await store.get("k") == b"v"
    await store.delete("k")
    assert await store.get("k") is None


async def test_counters_count_within_their_window(backend: cache.Backend) -> None:
    store = Cache(backend)
    assert await store.peek("c") == (0, 0)
    assert (await store.incr("c", ttl=60))[0] == 1
    count, remaining = await store.incr("c", ttl=60)
    assert count == 2 and 0 < remaining <= 60
    assert (await store.peek("c"))[0] == 2


async def test_memory_entries_expire() -> None:
    store = Cache(MemoryBackend())
    await store.set("k", b"v", ttl=0)
    assert await store.get("k") is None


async def test_the_memory_store_is_bounded() -> None:
    backend = MemoryBackend(max_entries=2)
    for key in ("a", "b", "c"):
        await backend.set(key, b"v", ttl=60)
    assert await backend.get("a") is None and await backend.get("c") == b"v"


class BrokenBackend:
    calls = 0

    async def _fail(self, *args: object, **kwargs: object) -> None:
        BrokenBackend.calls += 1
        raise ConnectionError("redis is down")

    get = set = delete = incr = peek = ping = _fail


async def test_a_failing_backend_reads_as_a_miss_and_counts_an_error() -> None:
    store = Cache(BrokenBackend())  # type: ignore[arg-type]
    errors_before = _count("error")
    assert await store.get("k") is None
    await store.set("k", b"v", ttl=60)
    await store.delete("k")
    assert _count("error") == errors_before + 1
    assert not await store.healthy()


async def test_counters_fall_back_to_the_process_when_redis_fails() -> None:
    store = Cache(BrokenBackend(), fallback=MemoryBackend())  # type: ignore[arg-type]
    assert (await store.incr("login", ttl=60))[0] == 1
    assert (await store.incr("login", ttl=60))[0] == 2
    assert (await store.peek("login"))[0] == 2


async def test_after_a_failure_redis_is_skipped_for_a_moment() -> None:
    BrokenBackend.calls = 0
    store = Cache(BrokenBackend())  # type: ignore[arg-type]
    for _ in range(5):
        await store.get("k")
    assert BrokenBackend.calls == 1


async def test_without_redis_url_every_loop_shares_one_process_store() -> None:
    await cache.get_cache().set("shared", b"yes", ttl=60)

    async def read() -> bytes | None:
        return await cache.get_cache().get("shared")

    def other_loop() -> bytes | None:
        return asyncio.run(read())

    assert await asyncio.to_thread(other_loop) == b"yes"
