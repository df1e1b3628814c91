from __future__ import annotations

import os
import uuid

import redis

from shared.core import cache
from shared.core.cache_redis import RedisBackend
from tests import services


async def test_the_real_redis_backend_serves_values_and_counters() -> None:
    os.environ["REDIS_URL"] = services.redis_url()
    store = cache.get_cache()
    assert isinstance(store.backend, RedisBackend)
    key = f"test:{uuid.uuid4()}"
    await store.set(key, b"value", ttl=30)
    assert await store.get(key) == b"value"
    assert (await store.incr(key + ":n", ttl=30))[0] == 1
    assert (await store.peek(key + ":n"))[0] == 1
    await store.delete(key, key + ":n")
    assert await store.get(key) is None
    assert await store.healthy()


async def test_the_real_redis_keeps_the_newest_version_even_after_a_script_flush() -> None:
    os.environ["REDIS_URL"] = services.redis_url()
    store = cache.get_cache()
    key = f"test:{uuid.uuid4()}"
    await store.set_newer({key: (3, b"7")}, ttl=30)
    assert isinstance(store.backend, RedisBackend)
    _script_flush()  # as after a Redis restart: the script is loaded again
    await store.set_newer({key: (2, b"9")}, ttl=30)
    assert await store.get(key) == b"3:7"
    await store.set_newer({key: (4, b"6")}, ttl=30)
    assert await store.get(key) == b"4:6"
    await store.delete(key)


async def test_the_real_redis_reads_a_listing_in_one_script() -> None:
    os.environ["REDIS_URL"] = services.redis_url()
    store = cache.get_cache()
    key = f"test:{uuid.uuid4()}"
    assert await store.get_listing([key + ":v"], key + ":page:", "") == ([None], None, [])
    await store.set_many({key + ":v": b"5", key + ":page:5": f'{{"keys":["{key}:a","{key}:b"]}}'.encode(),
                          key + ":b": b"B"}, ttl=30)
    found = await store.get_listing([key + ":v"], key + ":page:", "")
    assert found.versions == [b"5"] and found.entries == [None, b"B"]
    assert isinstance(store.backend, RedisBackend)
    _script_flush()  # as after a Redis restart: the script is loaded again
    assert (await store.get_listing([key + ":v"], key + ":page:", "")).entries == [None, b"B"]
    assert (await store.get_listing([], key + ":page:5", "")).entries == [None, b"B"]  # no versions
    await store.delete(key + ":v", key + ":page:5", key + ":b")


async def test_an_unreachable_redis_is_a_miss_not_an_error() -> None:
    os.environ["REDIS_URL"] = "redis://127.0.0.1:1/0"
    store = cache.get_cache()
    assert await store.get("anything") is None
    assert not await store.healthy()
    assert (await store.incr("counter", ttl=30))[0] == 1  # counted in this process instead


def _script_flush() -> None:
    client = redis.Redis.from_url(services.redis_url())
    try:
        client.script_flush()
    finally:
        client.close()
