"""Live seat counts: `seats:<departure id>`, a count entry of `shared.core.readcache` (newer versions only).

Bookings change seats many times a second, so this is its own small module: the booking functions register
seat counts without importing the catalogue's read model (its schemas, queries and images). Each count carries
the departure's `seats_version`, which every change of seats taken or capacity moves by one under the row lock;
pages filtered by date or seats also carry `SEATS_VERSION`, which every change of seats moves.
"""
from __future__ import annotations

import uuid
from typing import NamedTuple

from shared.core import readcache
from shared.core.uow import UnitOfWork

SEATS_VERSION = "tours:seats-version"


class Seats(NamedTuple):
    """A departure's seats left, as of its `seats_version`."""

    left: int
    version: int


def seats_key(departure_id: uuid.UUID | str) -> str:
    return f"seats:{departure_id}"


def changing(uow: UnitOfWork, seats: dict[uuid.UUID, Seats]) -> None:
    """Seats taken or capacity change in this unit of work: once committed, the new counts and the seats version."""
    if seats:
        readcache.changed(uow, counts=counts(seats), versions=[SEATS_VERSION])


def counts(seats: dict[uuid.UUID, Seats]) -> readcache.Counts:
    return {seats_key(departure_id): (count.version, b"%d" % count.left) for departure_id, count in seats.items()}
