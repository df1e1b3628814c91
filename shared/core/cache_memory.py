"""The in-process cache backend: a bounded, thread-safe TTL store shared by every event loop of the process."""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict

Found = tuple[list[bytes | None], bytes | None, list[bytes | None]]
# The entries a page lists: the `keys` it leads with (`{"keys":["a","b"],...`, `readcache`), found as the Redis
# backend's script finds them, without decoding the page.
_LISTED = re.compile(rb'^{"keys":\[(.*?)\]')
_KEY = re.compile(rb'"([^"]*)"')


class MemoryBackend:
    def __init__(self, max_entries: int = 50_000) -> None:
        self._data: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        now = time.monotonic()
        with self._lock:
            return [self._value(key, now) for key in keys]

    async def get_listing(self, versions: list[str], head: str, tail: str) -> Found:
        now = time.monotonic()
        with self._lock:
            held = [self._value(key, now) for key in versions]
            if None in held:
                return held, None, []
            page = self._value(head + b":".join(held).decode() + tail, now)  # type: ignore[arg-type]
            if page is None:
                return held, None, []
            listed = _LISTED.match(page)
            keys = _KEY.findall(listed[1]) if listed else ()
            return held, page, [self._value(key.decode(), now) for key in keys]

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

    async def aclose(self) -> None:
        return None  # shared by every loop of the process: it outlives any one of them

    def _live(self, key: str, now: float) -> tuple[bytes, float] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] <= now:
            del self._data[key]
            return None
        return entry

    def _value(self, key: str, now: float) -> bytes | None:
        entry = self._live(key, now)
        return entry[0] if entry is not None else None

    def _store(self, key: str, value: bytes, expires: float) -> None:
        self._data[key] = (value, expires)
        self._data.move_to_end(key)
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)


def _version(raw: bytes) -> int:
    head, _, _ = raw.partition(b":")
    return int(head) if head.isdigit() else -1
