"""Live seat counts in the cache: `seats:<departure id>`, written through after every committed change.

Bookings change seats many times a second, so this is its own small module: the booking functions
write seat counts without importing the catalogue's read model (its schemas, queries and images).

Writers race after their commits (two bookings commit in one order and reach Redis in the other), so
every count carries the departure's `seats_version`, which each change of seats taken or capacity
moves by one under the row lock: an entry is only ever replaced by a newer count (`Cache.set_newer`),
whether a writer or a reader's fill brings it. Pages filtered by date or seats also carry
`SEATS_VERSION`, which every change of seats moves.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from shared.core.cache import Cache, get_cache, versioned

SEATS_TTL = 600
SEATS_VERSION = "tours:seats-version"
VERSION_TTL = 7 * 24 * 3600


class Seats(NamedTuple):
    """A departure's seats left, as of its `seats_version`."""

    left: int
    version: int


def seats_key(departure_id: uuid.UUID | str) -> str:
    return f"seats:{departure_id}"


def stamp() -> bytes:
    """A new value for a version key: entries built under an older one are never read again."""
    return str(time.time_ns()).encode()


def parse(raw: bytes) -> int:
    """Seats left, from a cached `seats:<departure id>` value."""
    return int(versioned(raw))


async def read(cache: Cache, departure_ids: Iterable[uuid.UUID | str]) -> list[int | None]:
    """Cached seats left of each departure, None where the cache has none."""
    raws = await cache.get_many([seats_key(departure_id) for departure_id in departure_ids])
    return [parse(raw) if raw is not None else None for raw in raws]


async def fill(cache: Cache, seats: dict[uuid.UUID, Seats]) -> None:
    """Store counts read from the database (they never replace a newer one)."""
    await cache.set_newer(_entries(seats), SEATS_TTL)


async def seats_changed(seats: dict[uuid.UUID, Seats]) -> None:
    """After a committed change of seats taken or capacity: the new counts, and the seats version."""
    await get_cache().set_newer(_entries(seats), SEATS_TTL, also={SEATS_VERSION: stamp()}, also_ttl=VERSION_TTL)


def _entries(seats: dict[uuid.UUID, Seats]) -> dict[str, tuple[int, bytes]]:
    return {seats_key(departure_id): (count.version, b"%d" % count.left) for departure_id, count in seats.items()}
