"""The cache facade: Redis when REDIS_URL is set, else one in-process store; a Redis failure is a miss.

The two backends are `cache_memory.MemoryBackend` and `cache_redis.RedisBackend` (imported only when REDIS_URL
is set); what is cached on the read path, and why it is never stale, is `shared.core.readcache`.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NamedTuple, Protocol, TypeVar

from shared.core import metrics
from shared.core.cache_memory import Found, MemoryBackend
from shared.core.settings import get_settings

logger = logging.getLogger("tourbook.cache")
T = TypeVar("T")


class Listing(NamedTuple):
    """What `Cache.get_listing` found: the versions' values, the page under them, the entries it lists."""

    versions: list[bytes | None]
    page: bytes | None
    entries: list[bytes | None]


class Backend(Protocol):
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    async def get_listing(self, versions: list[str], head: str, tail: str) -> Found: ...
    async def set_many(self, values: dict[str, bytes], ttl: int, *, only_new: bool = False) -> list[bool]: ...
    async def set_newer(self, values: dict[str, tuple[int, bytes]], ttl: int, *, also: dict[str, bytes],
                        also_ttl: int) -> None: ...

    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> tuple[int, int]: ...
    async def peek(self, key: str) -> tuple[int, int]: ...
    async def ping(self) -> None: ...
    async def aclose(self) -> None: ...


class Cache:
    """Never raises: a failing Redis reads as a miss, and counters fall back to this process."""

    def __init__(self, backend: Backend, fallback: MemoryBackend | None = None) -> None:
        self.backend = backend
        self._fallback = fallback
        self._down_until = 0.0
        self._building: dict[str, asyncio.Future[Any]] = {}

    async def get(self, key: str) -> bytes | None:
        return (await self.get_many([key]))[0]

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        values = await self._call("get", self.backend.get_many(keys))
        if values is _FAILED:
            metrics.count_cache("error", len(keys))
            return [None] * len(keys)
        misses = values.count(None)  # type: ignore[attr-defined]
        metrics.count_cache("hit", len(keys) - misses)
        metrics.count_cache("miss", misses)
        return values  # type: ignore[return-value]

    async def get_listing(self, versions: list[str], head: str, tail: str) -> Listing:
        """Version keys, the page they name and the entries it lists, in one round trip.

        The page lives at `head + ":".join(version values) + tail` and is JSON whose `keys` (if any) lists
        other entries; they come back in that order. A missing version (never set, or evicted) stops the walk:
        the caller starts a new version and builds the page. Without versions, the page is `head + tail`.
        """
        got = await self._call("get", self.backend.get_listing(versions, head, tail))
        if got is _FAILED:
            metrics.count_cache("error", len(versions))
            return Listing([None] * len(versions), None, [])
        found = Listing(*got)  # type: ignore[misc]
        values = [*found.versions, found.page, *found.entries]
        misses = values.count(None)
        metrics.count_cache("hit", len(values) - misses)
        metrics.count_cache("miss", misses)
        return found

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self.set_many({key: value}, ttl)

    async def set_many(self, values: dict[str, bytes], ttl: int, *, only_new: bool = False) -> None:
        """Store values; `only_new` keeps what is there (a fill must not undo a newer write)."""
        if values:
            await self._call("set", self.backend.set_many(values, ttl, only_new=only_new))

    async def set_newer(self, values: dict[str, tuple[int, bytes]], ttl: int, *, also: dict[str, bytes] | None = None,
                        also_ttl: int = 0) -> None:
        """Store `version:value` unless the key holds the same or a newer version (read with `versioned`).

        For values whose writers race after their commits: the last to arrive is not always the newest.
        `also`: plain values stored in the same round trip (a version key that moves with them).
        """
        if values or also:
            await self._call("set", self.backend.set_newer(values, ttl, also=also or {}, also_ttl=also_ttl))

    async def add(self, key: str, value: bytes, ttl: int) -> bool | None:
        """Store only if absent: True when stored, False when present, None when the cache is unreachable."""
        stored = await self._call("set", self.backend.set_many({key: value}, ttl, only_new=True))
        return None if stored is _FAILED else bool(stored[0])  # type: ignore[index]

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._call("delete", self.backend.delete(*keys))

    async def incr(self, key: str, ttl: int) -> tuple[int, int]:
        """Count within a window that starts at the first count; `(count, seconds left)`."""
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

    async def get_or_build(self, key: str, ttl: int, build: Callable[[], Awaitable[bytes]]) -> bytes:
        """Cache-aside with stampede protection: one rebuild per key, whoever asks meanwhile waits for it."""
        value = await self.get(key)
        if value is not None:
            return value
        running = self._building.get(key)
        if running is not None:  # the same process is already building it
            return await asyncio.shield(running)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            value = await self._build_once(key, ttl, build)
            future.set_result(value)
            return value
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody is warned about it
            raise
        finally:
            del self._building[key]

    async def _build_once(self, key: str, ttl: int, build: Callable[[], Awaitable[bytes]]) -> bytes:
        lock = f"lock:{key}"
        held = await self.add(lock, b"1", _LOCK_SECONDS)
        if held is None:  # unreachable: nobody else can be seen rebuilding, and waiting would only add latency
            return await build()
        if held:
            try:
                value = await build()
                await self.set(key, value, ttl)
                return value
            finally:
                await self.delete(lock)
        # Another process is rebuilding: wait a little for its result rather than pile onto the database.
        for _ in range(_LOCK_POLLS):
            await asyncio.sleep(_LOCK_POLL_SECONDS)
            built = await self.get(key)
            if built is not None:
                return built
        return await build()

    async def _call(self, operation: str, call: Coroutine[Any, Any, T], *, breaker: bool = True) -> T | object:
        """Run a backend call; a failure opens the breaker, so for a while nothing waits on a Redis that is down.

        When the pause is over, one call tries Redis again while the others still skip it: a Redis that
        is still down costs one call a timeout, not every call that arrives meanwhile.
        """
        if breaker and self._down_until:
            if time.monotonic() < self._down_until:
                call.close()
                return _FAILED
            self._down_until = time.monotonic() + _BREAKER_SECONDS  # this call probes; the others skip
        started = time.perf_counter()
        try:
            result = await call
        except Exception as exc:  # any backend failure is a miss, never a failed request
            logger.warning("cache %s failed: %s", operation, exc.__class__.__name__)
            self._down_until = time.monotonic() + _BREAKER_SECONDS
            return _FAILED
        finally:
            metrics.observe_integration("redis", operation, time.perf_counter() - started)
        self._down_until = 0.0
        return result


def versioned(raw: bytes) -> bytes:
    """The value of a `set_newer` entry, without its version."""
    return raw.partition(b":")[2]


_FAILED = object()
_BREAKER_SECONDS = 2.0
_LOCK_SECONDS = 5
_LOCK_POLLS = 25
_LOCK_POLL_SECONDS = 0.02
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
        cache = _create_cache()
        with _lock:
            cache = _caches.setdefault(loop, cache)
    return cache


def _create_cache() -> Cache:
    settings = get_settings()
    if not settings.redis_url:
        return Cache(_process_store())
    from shared.core import cache_redis

    return Cache(cache_redis.connect(settings.redis_url, settings.cache_timeout_seconds), fallback=_process_store())


async def close() -> None:
    """Close the running loop's Redis client (the end of an execution environment)."""
    with _lock:
        cache = _caches.pop(asyncio.get_running_loop(), None)
    if cache is not None:
        await cache.backend.aclose()


def loops() -> set[asyncio.AbstractEventLoop]:
    """The loops that have a cache client (SnapStart closes each before the snapshot)."""
    with _lock:
        return set(_caches)


def forget_clients() -> None:
    """Drop every Redis client without closing it; the in-process store stays (after a SnapStart restore)."""
    with _lock:
        _caches.clear()


def reset() -> None:
    """Forget every cache client and the in-process store (tests)."""
    global _memory
    with _lock:
        _caches.clear()
        _memory = None
