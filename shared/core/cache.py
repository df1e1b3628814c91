"""Cache: Redis when REDIS_URL is set, else one in-process store; a Redis failure is a miss."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from shared.core import metrics
from shared.core.settings import get_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("tourbook.cache")
T = TypeVar("T")


class Listing(NamedTuple):
    """What `Cache.get_listing` found: the versions' values, the page under them, the entries it lists."""

    versions: list[bytes | None]
    page: bytes | None
    entries: list[bytes | None]


class Backend(Protocol):
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    async def get_listing(self, versions: list[str], head: str, tail: str) -> Listing: ...
    async def set_many(self, values: dict[str, bytes], ttl: int, *, only_new: bool = False) -> list[bool]: ...
    async def set_newer(self, values: dict[str, tuple[int, bytes]], ttl: int, *, also: dict[str, bytes],
                        also_ttl: int) -> None: ...

    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> tuple[int, int]: ...
    async def peek(self, key: str) -> tuple[int, int]: ...
    async def ping(self) -> None: ...


class MemoryBackend:
    """A bounded, thread-safe TTL store shared by every event loop of the process."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._data: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def _live(self, key: str, now: float) -> tuple[bytes, float] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] <= now:
            del self._data[key]
            return None
        return entry

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        now = time.monotonic()
        with self._lock:
            entries = [self._live(key, now) for key in keys]
        return [entry[0] if entry is not None else None for entry in entries]

    async def get_listing(self, versions: list[str], head: str, tail: str) -> Listing:
        now = time.monotonic()
        with self._lock:
            held = [self._value(key, now) for key in versions]
            if None in held:
                return Listing(held, None, [])
            page = self._value(head + b":".join(held).decode() + tail, now)  # type: ignore[arg-type]
            if page is None:
                return Listing(held, None, [])
            return Listing(held, page, [self._value(key, now) for key in json.loads(page).get("keys", ())])

    def _value(self, key: str, now: float) -> bytes | None:
        entry = self._live(key, now)
        return entry[0] if entry is not None else None

    async def set_many(self, values: dict[str, bytes], ttl: int, *, only_new: bool = False) -> list[bool]:
        now = time.monotonic()
        stored = []
        with self._lock:
            for key, value in values.items():
                fresh = not only_new or self._live(key, now) is None
                if fresh:
                    self._store(key, value, now + ttl)
                stored.append(fresh)
        return stored

    async def set_newer(self, values: dict[str, tuple[int, bytes]], ttl: int, *, also: dict[str, bytes],
                        also_ttl: int) -> None:
        now = time.monotonic()
        with self._lock:
            for key, (version, value) in values.items():
                entry = self._live(key, now)
                if entry is None or _version(entry[0]) < version:
                    self._store(key, b"%d:%s" % (version, value), now + ttl)
            for key, value in also.items():
                self._store(key, value, now + also_ttl)

    async def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    async def incr(self, key: str, ttl: int) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
            count, expires = (int(entry[0]) + 1, entry[1]) if entry is not None else (1, now + ttl)
            self._store(key, str(count).encode(), expires)
        return count, max(1, round(expires - now))

    async def peek(self, key: str) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
        return (int(entry[0]), max(1, round(entry[1] - now))) if entry is not None else (0, 0)

    async def ping(self) -> None:
        return None

    def _store(self, key: str, value: bytes, expires: float) -> None:
        self._data[key] = (value, expires)
        self._data.move_to_end(key)
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)


class RedisBackend:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._set_newer = client.register_script(_SET_NEWER)
        self._get_listing = client.register_script(_GET_LISTING)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        values = await self._client.mget(keys) if keys else []
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def get_listing(self, versions: list[str], head: str, tail: str) -> Listing:
        found = await self._get_listing(keys=versions, args=[head, tail])
        return Listing(found[0], found[1] if len(found) > 1 else None, found[2] if len(found) > 2 else [])

    async def set_many(self, values: dict[str, bytes], ttl: int, *, only_new: bool = False) -> list[bool]:
        async with self._client.pipeline(transaction=False) as pipe:
            for key, value in values.items():
                pipe.set(key, value, ex=ttl, nx=only_new)
            return [bool(done) for done in await pipe.execute()]

    async def set_newer(self, values: dict[str, tuple[int, bytes]], ttl: int, *, also: dict[str, bytes],
                        also_ttl: int) -> None:
        arguments: list[Any] = [len(values), ttl, also_ttl]
        for version, value in values.values():
            arguments += [version, value]
        # EVALSHA (loaded again after a NOSCRIPT): every write in one round trip
        await self._set_newer(keys=[*values, *also], args=[*arguments, *also.values()])

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
        found = await self._call("get", self.backend.get_listing(versions, head, tail))
        if not isinstance(found, Listing):
            metrics.count_cache("error", len(versions))
            return Listing([None] * len(versions), None, [])
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


def _version(raw: bytes) -> int:
    head, _, _ = raw.partition(b":")
    return int(head) if head.isdigit() else -1


# KEYS: the versioned entries, then the plain ones; ARGV: their count, the two TTLs, a version and a value
# per versioned entry, a value per plain one. Atomic: an entry is replaced only by a newer version.
_SET_NEWER = """
local n, ttl, also_ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]
for i = 1, n do
  local version = tonumber(ARGV[2 + 2 * i])
  local current = redis.call('GET', KEYS[i])
  local held = current and tonumber(string.match(current, '^(%d+):'))
  if not held or held < version then
    redis.call('SET', KEYS[i], ARGV[2 + 2 * i] .. ':' .. ARGV[3 + 2 * i], 'EX', ttl)
  end
end
for j = n + 1, #KEYS do
  redis.call('SET', KEYS[j], ARGV[3 + n + j], 'EX', also_ttl)
end
return 0
"""
# KEYS: version keys; ARGV: the page key's head and tail. Reads the versions, the page named by their
# values and the entries the page lists under "keys" (not declared in KEYS: not for Redis Cluster).
_GET_LISTING = """
local versions = {}
if #KEYS > 0 then versions = redis.call('MGET', unpack(KEYS)) end
for i = 1, #KEYS do
  if not versions[i] then return {versions} end
end
local page = redis.call('GET', ARGV[1] .. table.concat(versions, ':') .. ARGV[2])
if not page then return {versions} end
local keys = cjson.decode(page)['keys'] or {}
if #keys == 0 then return {versions, page, {}} end
return {versions, page, redis.call('MGET', unpack(keys))}
"""
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
    from redis.asyncio import Redis
    from redis.backoff import NoBackoff
    from redis.asyncio.retry import Retry

    timeout = settings.cache_timeout_seconds
    client = Redis.from_url(
        settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # a failed call is a miss; retrying would only add latency
    )
    return Cache(RedisBackend(client), fallback=_process_store())


async def close() -> None:
    """Close the running loop's Redis client (the end of an execution environment)."""
    with _lock:
        cache = _caches.pop(asyncio.get_running_loop(), None)
    if cache is not None and isinstance(cache.backend, RedisBackend):
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
