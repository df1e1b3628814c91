"""Removing a tour from the catalogue: archived if it ever had bookings (they and its reviews stay), else deleted.

Apart from `services` because it reads bookings, which no other catalogue function needs (each would build
the booking model at import: cold start is paid per function). It writes through `services`' own helpers.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select, update

from shared.bookings.models import HOLDING, Booking
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.tours.errors import HasActiveBookingsError
from shared.tours.models import Departure
from shared.tours.services import _commit, _tour_for_update


async def delete_tour(uow: UnitOfWork, *, tour_id: uuid.UUID) -> None:
    """Archive a tour that has had bookings (they and its reviews stay), remove one that never had any.

    Refused while a pending or confirmed booking exists. Either way the tour is gone from every read.
    """
    tour = await _tour_for_update(uow, tour_id)
    # Closing its departures takes their row locks: a booking being made on one either committed before
    # (and is seen below) or finds the departure closed.
    await uow.session.execute(
        update(Departure).where(Departure.tour_id == tour_id, Departure.status == "open").values(status="closed")
    )
    bookings = select(Booking.id).where(Booking.tour_id == tour_id)
    if await uow.session.scalar(select(bookings.where(Booking.status.in_(HOLDING)).exists())):
        raise HasActiveBookingsError("Pending or confirmed bookings still hold seats on this tour")
    if await uow.session.scalar(select(bookings.exists())):
        tour.archived_at, tour.is_published = utcnow(), False
    else:
        await uow.session.delete(tour)
    await _commit(uow, tour_id, seats={})  # its departures closed (their pages change), no seat count did
