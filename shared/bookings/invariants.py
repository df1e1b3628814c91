"""The capacity invariant, checked against the database (tests, and operators after an incident)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from shared.bookings.models import HOLDING, Booking
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure


@dataclass(frozen=True)
class Violation:
    departure_id: uuid.UUID
    capacity: int
    seats_taken: int
    seats_held: int


async def capacity_violations(uow: UnitOfWork, departure_ids: list[uuid.UUID] | None = None) -> list[Violation]:
    """Departures where seats taken ≠ the seats of pending + confirmed bookings, or exceed capacity."""
    held = func.coalesce(func.sum(Booking.seats).filter(Booking.status.in_(HOLDING)), 0)
    statement = (
        select(Departure.id, Departure.capacity, Departure.seats_taken, held)
        .outerjoin(Booking, Booking.departure_id == Departure.id)
        .group_by(Departure.id)
        .having((Departure.seats_taken != held) | (Departure.seats_taken > Departure.capacity))
    )
    if departure_ids is not None:
        statement = statement.where(Departure.id.in_(departure_ids))
    rows = (await uow.session.execute(statement)).all()
    return [Violation(*row) for row in rows]
