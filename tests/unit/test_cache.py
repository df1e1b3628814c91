from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import fakeredis
import pytest

from shared.core import cache, metrics
from shared.core.cache import Cache
from shared.core.cache_memory import MemoryBackend
from shared.core.cache_redis import RedisBackend


def _count(result: str) -> float:
    return metrics.REGISTRY.get_sample_value(
        "tourbook_cache_requests_total", {"function": metrics.current_function.get(), "result": result}
    ) or 0.0


@pytest.fixture(params=["memory", "fakeredis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[cache.Backend]:
    """The in-process store, or the Redis backend talking RESP to fakeredis (with Lua) over loopback TCP."""
    if request.param == "memory":
        yield MemoryBackend()
        return
    server = fakeredis.TcpFakeServer(("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    redis = RedisBackend(f"redis://127.0.0.1:{server.server_address[1]}/3", timeout=2.0)
    yield redis
    await redis.aclose()
    server.shutdown()
    server.server_close()


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


async def test_a_fill_never_overwrites_a_newer_value(backend: cache.Backend) -> None:
    store = Cache(backend)
    await store.set("seats", b"7", ttl=60)
    await store.set_many({"seats": b"9", "other": b"1"}, ttl=60, only_new=True)
    assert await store.get_many(["seats", "other", "absent"]) == [b"7", b"1", None]
    assert await store.add("lock", b"1", ttl=60) and not await store.add("lock", b"1", ttl=60)


async def test_a_versioned_value_is_only_replaced_by_a_newer_version(backend: cache.Backend) -> None:
    store = Cache(backend)
    await store.set_newer({"seats:a": (5, b"12"), "seats:b": (1, b"3")}, ttl=60)
    await store.set_newer({"seats:a": (4, b"13"), "seats:b": (2, b"2")}, ttl=60)  # a late writer of version 4
    await store.set_newer({"seats:a": (5, b"99")}, ttl=60, also={"list-version": b"7"}, also_ttl=60)
    raws = await store.get_many(["seats:a", "seats:b"])
    assert [cache.versioned(raw) for raw in raws if raw is not None] == [b"12", b"2"]
    assert await store.get("list-version") == b"7"  # written in the same call, whatever the versions said


async def test_a_listing_reads_versions_page_and_listed_entries_together(backend: cache.Backend) -> None:
    store = Cache(backend)
    assert await store.get_listing(["v1", "v2"], "page:", ":q") == ([None, None], None, [])
    await store.set_many({"v1": b"3", "v2": b"8"}, ttl=60)
    assert await store.get_listing(["v1", "v2"], "page:", ":q") == ([b"3", b"8"], None, [])
    await store.set_many({"page:3:8:q": b'{"keys":["card:b","card:a","seats:x"]}', "card:a": b"A", "card:b": b"B"}, 60)
    found = await store.get_listing(["v1", "v2"], "page:", ":q")
    assert found.page == b'{"keys":["card:b","card:a","seats:x"]}' and found.entries == [b"B", b"A", None]
    await store.set("v2", b"9", ttl=60)  # a write moved a version: that page is no longer reachable
    assert await store.get_listing(["v1", "v2"], "page:", ":q") == ([b"3", b"9"], None, [])
    await store.set("page:3:9:q", b'{"keys":[]}', ttl=60)
    assert (await store.get_listing(["v1", "v2"], "page:", ":q")).entries == []
    unversioned = await store.get_listing([], "page:3:8", ":q")  # no versions: the page is head + tail
    assert unversioned.versions == [] and unversioned.entries == [b"B", b"A", None]


async def test_one_rebuild_for_many_concurrent_misses(backend: cache.Backend) -> None:
    store = Cache(backend)
    builds = 0

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.05)
        return b"built"

    values = await asyncio.gather(*(store.get_or_build("hot", 60, build) for _ in range(20)))
    assert values == [b"built"] * 20 and builds == 1
    assert await store.get_or_build("hot", 60, build) == b"built" and builds == 1


async def test_another_process_rebuilding_is_waited_for() -> None:
    backend = MemoryBackend()
    mine, theirs = Cache(backend), Cache(backend)  # two processes sharing one Redis
    assert await theirs.add("lock:hot", b"1", ttl=5)

    async def their_rebuild() -> None:
        await asyncio.sleep(0.05)
        await theirs.set("hot", b"theirs", ttl=60)

    async def my_build() -> bytes:
        raise AssertionError("must wait for the other rebuild")

    _, value = await asyncio.gather(their_rebuild(), mine.get_or_build("hot", 60, my_build))
    assert value == b"theirs"


async def test_a_failed_build_reaches_every_waiter_and_is_not_cached() -> None:
    store = Cache(MemoryBackend())

    async def build() -> bytes:
        await asyncio.sleep(0.01)
        raise LookupError("database said no")

    results = await asyncio.gather(*(store.get_or_build("k", 60, build) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)
    assert await store.get("k") is None and await store.add("lock:k", b"1", 5)


async def test_memory_entries_expire() -> None:
    store = Cache(MemoryBackend())
    await store.set("k", b"v", ttl=0)
    assert await store.get("k") is None


async def test_the_memory_store_is_bounded() -> None:
    backend = MemoryBackend(max_entries=2)
    for key in ("a", "b", "c"):
        await backend.set_many({key: b"v"}, ttl=60)
    assert await backend.get_many(["a", "c"]) == [None, b"v"]


class BrokenBackend:
    calls = 0

    async def _fail(self, *args: object, **kwargs: object) -> None:
        BrokenBackend.calls += 1
        raise ConnectionError("redis is down")

    get_many = get_listing = set_many = delete = incr = peek = ping = _fail


async def test_a_failing_backend_reads_as_a_miss_and_counts_an_error() -> None:
    store = Cache(BrokenBackend())  # type: ignore[arg-type]
    errors_before = _count("error")
    assert await store.get("k") is None
    await store.set("k", b"v", ttl=60)
    await store.delete("k")
    assert _count("error") == errors_before + 1
    assert not await store.healthy()
    assert await store.get_listing(["v1", "v2"], "page:", "") == ([None, None], None, [])


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


async def test_an_unreachable_cache_rebuilds_at_once_instead_of_waiting_for_a_lock() -> None:
    store = Cache(BrokenBackend())  # type: ignore[arg-type]
    builds = 0

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        return b"built"

    assert await store.add("lock:k", b"1", ttl=5) is None  # neither stored nor taken: unknown
    started = asyncio.get_running_loop().time()
    assert await store.get_or_build("k", 60, build) == b"built"
    assert await store.get_or_build("k", 60, build) == b"built"
    assert asyncio.get_running_loop().time() - started < 0.1  # polling for a lock nobody holds took 0.5 s each
    assert builds == 2


class SlowBrokenBackend(BrokenBackend):
    async def _fail(self, *args: object, **kwargs: object) -> None:
        await asyncio.sleep(0.05)  # a connect timeout
        await super()._fail()

    get_many = get_listing = set_many = delete = incr = peek = ping = _fail


async def test_after_the_pause_one_call_tries_redis_again_while_the_others_skip_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_BREAKER_SECONDS", 0.01)
    BrokenBackend.calls = 0
    store = Cache(SlowBrokenBackend())  # type: ignore[arg-type]
    await store.get("k")
    await asyncio.sleep(0.02)  # the pause is over

    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(store.get("k") for _ in range(10)))

    assert BrokenBackend.calls == 2  # the first failure, then one probe for ten concurrent reads
    assert asyncio.get_running_loop().time() - started < 0.1


async def test_a_cache_that_answers_again_is_used_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryBackend()
    store = Cache(backend)
    await store.set("k", b"v", ttl=60)
    monkeypatch.setattr(backend, "get_many", BrokenBackend()._fail)
    assert await store.get("k") is None
    monkeypatch.undo()
    assert await store.healthy()  # the health check always asks, and finds it back
    assert await store.get("k") == b"v"


async def test_concurrent_calls_on_one_connection_each_get_their_own_answer(backend: cache.Backend) -> None:
    store = Cache(backend)
    await store.set_many({f"k{n}": b'{"n":%d}' % n for n in range(50)}, ttl=60)
    values = await asyncio.gather(*(store.get(f"k{n}") for n in range(50)),
                                  *(store.get_listing([], f"k{n}", "") for n in range(50)))
    assert values[:50] == [b'{"n":%d}' % n for n in range(50)]
    assert [found.page for found in values[50:]] == values[:50]  # type: ignore[union-attr]


async def test_a_redis_that_never_answers_is_a_miss_not_a_stalled_request() -> None:
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)  # reads every command, answers none

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = Cache(RedisBackend(f"redis://127.0.0.1:{port}/0", timeout=0.05), fallback=MemoryBackend())
    try:
        assert await asyncio.gather(*(store.get(f"k{n}") for n in range(5))) == [None] * 5
        assert await store.get_listing(["v"], "page:", "") == ([None], None, [])
        assert (await store.incr("counter", ttl=30))[0] == 1  # counted in this process instead
        assert not await store.healthy()
    finally:
        await store.backend.aclose()
        server.close()


async def test_a_dropped_connection_is_made_again_by_the_next_call() -> None:
    server = fakeredis.TcpFakeServer(("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    backend = RedisBackend(f"redis://127.0.0.1:{server.server_address[1]}/0", timeout=2.0)
    try:
        await backend.set_many({"k": b"v"}, ttl=60)
        await backend.aclose()  # as when Redis restarts or a proxy closes an idle connection
        assert await backend.get_many(["k"]) == [b"v"]
    finally:
        await backend.aclose()
        server.shutdown()
        server.server_close()
