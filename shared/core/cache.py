"""Cache: Redis when REDIS_URL is set, else one in-process store; a Redis failure is a miss."""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Protocol

from shared.core import metrics
from shared.core.settings import get_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("tourbook.cache")


class Backend(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> tuple[int, int]: ...
    async def peek(self, key: str) -> tuple[int, int]: ...
    async def ping(self) -> None: ...


class MemoryBackend:
    """A bounded, thread-safe TTL store shared by every event loop of the process."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._data: OrderedDict[str, tuple[bytes | int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def _live(self, key: str, now: float) -> tuple[bytes | int, float] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] <= now:
            del self._data[key]
            return None
        return entry

    async def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._live(key, time.monotonic())
        return entry[0] if entry is not None and isinstance(entry[0], bytes) else None

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            self._store(key, value, time.monotonic() + ttl)

    async def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    async def incr(self, key: str, ttl: int) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
            count, expires = (int(entry[0]) + 1, entry[1]) if entry is not None else (1, now + ttl)
            self._store(key, count, expires)
        return count, max(1, round(expires - now))

    async def peek(self, key: str) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
        if entry is None or not isinstance(entry[0], int):
            return 0, 0
        return entry[0], max(1, round(entry[1] - now))

    async def ping(self) -> None:
        return None

    def _store(self, key: str, value: bytes | int, expires: float) -> None:
        self._data[key] = (value, expires)
        self._data.move_to_end(key)
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)


class RedisBackend:
    def __init__(self, client: Redis) -> None:
        self._client = client

    async def get(self, key: str) -> bytes | None:
        value = await self._client.get(key)
        return value if isinstance(value, bytes) or value is None else str(value).encode()

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._client.set(key, value, ex=ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._client.delete(*keys)

    async def incr(self, key: str, ttl: int) -> tuple[int, int]:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl, nx=True)
            pipe.ttl(key)
            count, _, remaining = await pipe.execute()
        return int(count), max(1, int(remaining))

    async def peek(self, key: str) -> tuple[int, int]:
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, remaining = await pipe.execute()
        return (int(count), max(1, int(remaining))) if count is not None else (0, 0)

    async def ping(self) -> None:
        await self._client.ping()

    async def aclose(self) -> None:
        await self._client.aclose()


class Cache:
    """Never raises: a failing Redis reads as a miss, and counters fall back to this process."""

    def __init__(self, backend: Backend, fallback: MemoryBackend | None = None) -> None:
        self.backend = backend
        self._fallback = fallback
        self._down_until = 0.0

    async def get(self, key: str) -> bytes | None:
        value = await self._call("get", self.backend.get(key))
        metrics.count_cache("error" if value is _FAILED else "hit" if value is not None else "miss")
        return None if value is _FAILED else value  # type: ignore[return-value]

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._call("set", self.backend.set(key, value, ttl))

    async def delete(self, *keys: str) -> None:
        await self._call("delete", self.backend.delete(*keys))

    async def incr(self, key: str, ttl: int) -> tuple[int, int]:
        result = await self._call("incr", self.backend.incr(key, ttl))
        if result is _FAILED:
            return await (self._fallback or _process_store()).incr(key, ttl)
        return result  # type: ignore[return-value]

    async def peek(self, key: str) -> tuple[int, int]:
        """A counter's value and seconds left, without counting."""
        result = await self._call("peek", self.backend.peek(key))
        if result is _FAILED:
            return await (self._fallback or _process_store()).peek(key)
        return result  # type: ignore[return-value]

    async def healthy(self) -> bool:
        return await self._call("ping", self.backend.ping(), breaker=False) is not _FAILED

    async def _call(self, operation: str, call: object, *, breaker: bool = True) -> object:
        coro = call  # a coroutine; awaited below unless the breaker is open
        if breaker and time.monotonic() < self._down_until:
            coro.close()  # type: ignore[attr-defined]
            return _FAILED
        started = time.perf_counter()
        try:
            return await coro  # type: ignore[misc]
        except Exception as exc:  # any backend failure is a miss, never a failed request
            logger.warning("cache %s failed: %s", operation, exc.__class__.__name__)
            self._down_until = time.monotonic() + _BREAKER_SECONDS
            return _FAILED
        finally:
            metrics.observe_integration("redis", operation, time.perf_counter() - started)


_FAILED = object()
_BREAKER_SECONDS = 2.0
_memory: MemoryBackend | None = None
_caches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Cache] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _process_store() -> MemoryBackend:
    global _memory
    with _lock:
        if _memory is None:
            _memory = MemoryBackend()
        return _memory


def get_cache() -> Cache:
    """The cache of the running loop: Redis clients are bound to the loop that made them."""
    loop = asyncio.get_running_loop()
    cache = _caches.get(loop)
    if cache is None:
        with _lock:
            cache = _caches.get(loop)
        if cache is None:
            cache = _caches[loop] = _create_cache()
    return cache


def _create_cache() -> Cache:
    settings = get_settings()
    if not settings.redis_url:
        return Cache(_process_store())
    from redis.asyncio import Redis

    timeout = settings.cache_timeout_seconds
    client = Redis.from_url(settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return Cache(RedisBackend(client), fallback=_process_store())


async def close() -> None:
    """Close the running loop's Redis client (the end of an execution environment or a gateway)."""
    with _lock:
        cache = _caches.pop(asyncio.get_running_loop(), None)
    if cache is not None and isinstance(cache.backend, RedisBackend):
        await cache.backend.aclose()


def reset() -> None:
    """Forget every cache client and the in-process store (tests)."""
    global _memory
    with _lock:
        _caches.clear()
        _memory = None
