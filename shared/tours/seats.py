"""Live seat counts in the cache: `seats:<departure id>`, written through after every committed change.

Bookings change seats many times a second, so this is its own small module: the booking functions
write seat counts without importing the catalogue's read model (its schemas, queries and images).
Pages filtered by date or seats also carry `SEATS_VERSION`, which every change of seats moves.
"""
from __future__ import annotations

import time
import uuid

from shared.core.cache import get_cache

SEATS_TTL = 600
SEATS_VERSION = "tours:seats-version"
VERSION_TTL = 7 * 24 * 3600


def seats_key(departure_id: uuid.UUID | str) -> str:
    return f"seats:{departure_id}"


def stamp() -> bytes:
    """A new value for a version key: entries built under an older one are never read again."""
    return str(time.time_ns()).encode()


async def seats_changed(seats: dict[uuid.UUID, int]) -> None:
    """After a committed change of seats taken or capacity: the new counts, and the seats version."""
    cache = get_cache()
    await cache.set_many({seats_key(departure_id): str(left).encode() for departure_id, left in seats.items()},
                         SEATS_TTL)
    await cache.set_many({SEATS_VERSION: stamp()}, VERSION_TTL)
