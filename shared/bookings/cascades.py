"""Cancelling a departure cancels its bookings.

Apart from `services` because it also rewrites the catalogue's cached tour card (`tours.tourcard`), which the
booking functions never need (cold start is paid per function).
"""
from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from shared.bookings import changes, refunds
from shared.bookings.models import HOLDING, Booking, WaitlistEntry
from shared.core.errors import NotFoundError
from shared.core.uow import UnitOfWork
from shared.tours import seats, tourcard
from shared.tours.models import Departure, Tour


async def cancel_departure(uow: UnitOfWork, *, departure_id: uuid.UUID) -> None:
    """Cancel a departure and every pending or confirmed booking on it (owners are notified and refunded in full)."""
    departure = await uow.session.scalar(
        select(Departure).join(Tour, Tour.id == Departure.tour_id)
        .where(Departure.id == departure_id, Tour.archived_at.is_(None)).with_for_update(of=Departure)
    )
    if departure is None:
        raise NotFoundError("No such departure")
    bookings = list(await uow.session.scalars(
        select(Booking).where(Booking.departure_id == departure_id, Booking.status.in_(HOLDING)).with_for_update()
    ))
    released = await changes.release(uow, bookings, "cancelled", "booking.cancelled", reason="departure_cancelled",
                                     refund=refunds.in_full)
    departure.status = "cancelled"
    await uow.session.execute(delete(WaitlistEntry).where(WaitlistEntry.departure_id == departure_id,
                                                          WaitlistEntry.status == "waiting"))
    tourcard.changing(uow, departure.tour_id, departures=True)
    seats.changing(uow, released.left or {departure_id: seats.Seats(departure.seats_left, departure.seats_version)})
    await uow.commit()
    await refunds.settle(uow, released.refunds)
