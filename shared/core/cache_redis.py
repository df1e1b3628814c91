"""The Redis cache backend (redis-py asyncio), bound to the event loop that made its client."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.core.cache_memory import Found

if TYPE_CHECKING:
    from redis.asyncio import Redis


class RedisBackend:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._set_newer = client.register_script(SET_NEWER)
        self._get_listing = client.register_script(GET_LISTING)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        values = await self._client.mget(keys) if keys else []
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def get_listing(self, versions: list[str], head: str, tail: str) -> Found:
        found = await self._get_listing(keys=versions, args=[head, tail])
        return found[0], found[1] if len(found) > 1 else None, found[2] if len(found) > 2 else []

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


def connect(url: str, timeout: float) -> RedisBackend:
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return RedisBackend(Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # a failed call is a miss; retrying would only add latency
    ))


# KEYS: the versioned entries, then the plain ones; ARGV: their count, the two TTLs, a version and a value
# per versioned entry, a value per plain one. Atomic: an entry is replaced only by a newer version.
SET_NEWER = """
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
GET_LISTING = """
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
