"""The read path's one cache mechanism: pages of ids under version keys, with the cards and live counts they name.

Three kinds of entries, for tours, departures, reviews and favourites alike:

- a **version key** names the current generation of a family of pages (the catalogue, a tour's departures or
  reviews, a user's favourites); its value is a `stamp`. A page lives at `<name>:<version values>:<tail>`, so
  moving a version makes every page of the old one unreachable (they expire on their own).
- a **page** is JSON built by one SQL statement, led by `keys` (if any), the entries a read composes it with,
  read in the same round trip as the versions and the page (`Cache.get_listing`).
- an **entry** named by a page: a *card* (a tour as shown), written through after the commit that changes it
  and filled by reads only if absent; or a *count* (seats left), which carries the version of the row it was
  read from and is only ever replaced by a newer one, whoever brings it.

Writes: the code that changes the data registers them with `changed` before it commits; the unit of work runs
them once the transaction has committed (`UnitOfWork.after_commit`), never before and never by hand.

Why a page is never stale: a read takes the versions before its SQL, a write moves them after its commit. A read
that started before a write holds the old versions, so whatever it builds is stored under the old key, which
nobody reads again; a read that holds the new versions runs its SQL after the commit. A card filled by such a
read cannot replace the one the write put (only if absent), and a count cannot replace a newer count.
"""
from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, NamedTuple

from shared.core.cache import get_cache, versioned
from shared.core.uow import UnitOfWork

VERSION_TTL = 7 * 24 * 3600
PAGE_TTL = 300
COUNT_TTL = 600
Counts = dict[str, tuple[int, bytes]]  # key -> (the row's version, the value)


class Page(NamedTuple):
    """A page as read: its JSON, and the entries its `keys` name when it was warm (None: built now or elsewhere)."""

    body: dict[str, Any]
    entries: list[bytes | None] | None


def stamp() -> bytes:
    """A new value for a version key: pages built under an older one are never read again."""
    return str(time.time_ns()).encode()


def count(raw: bytes) -> int:
    """The value of a count entry, without its version."""
    return int(versioned(raw))


async def page(versions: Sequence[str], name: str, tail: str,
               build: Callable[[], Awaitable[dict[str, Any]]]) -> Page:
    """The page `name:<versions>:tail`: warm, one round trip with its entries; cold, built once (`get_or_build`).

    A version never set (or evicted) is started anew before the build, so the page is stored under it.
    """
    cache = get_cache()
    found = await cache.get_listing(list(versions), name + ":", ":" + tail)
    if found.page is not None:
        return Page(json.loads(found.page), found.entries)
    values = found.versions
    missing = {key: stamp() for key, value in zip(versions, values) if value is None}
    if missing:
        await cache.set_many(missing, VERSION_TTL, only_new=True)
        values = await cache.get_many(list(versions))
    held = ":".join((value or missing[key]).decode() for key, value in zip(versions, values))

    async def built() -> bytes:
        return dump(await build())

    return Page(json.loads(await cache.get_or_build(f"{name}:{held}:{tail}", PAGE_TTL, built)), None)


async def fill(*, cards: dict[str, bytes] | None = None, ttl: int = 0, counts: Counts | None = None) -> None:
    """Store what a read found in the database: cards only where absent, counts only where not newer."""
    cache = get_cache()
    if cards:
        await cache.set_many(cards, ttl, only_new=True)
    if counts:
        await cache.set_newer(counts, COUNT_TTL)


def changed(uow: UnitOfWork, *, versions: Iterable[str] = (), counts: Counts | None = None,
            cards: Callable[[], Awaitable[dict[str, bytes]]] | None = None, cards_ttl: int = 0) -> None:
    """Once `uow` has committed: write `cards` through (made then, from the committed rows), store `counts`
    unless newer ones are there, and move `versions` (counts and versions in one round trip)."""
    moved = tuple(versions)

    async def write() -> None:
        cache = get_cache()
        if cards is not None:
            await cache.set_many(await cards(), cards_ttl)
        await cache.set_newer(counts or {}, COUNT_TTL, also={key: stamp() for key in moved}, also_ttl=VERSION_TTL)

    uow.after_commit(write)


def dump(value: dict[str, Any]) -> bytes:
    """A page as stored: JSON led by its `keys` (where the Redis backend's script finds them without decoding)."""
    if "keys" in value:
        value = {"keys": value["keys"], **value}
    return json.dumps(value, separators=(",", ":"), default=str).encode()
