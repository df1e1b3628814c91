"""Cancellations that come from elsewhere: a departure cancelled, an account closed.

They live apart from `services` because they also touch the catalogue's read model and the users'
services, which the booking functions themselves never need (cold start is paid per function).
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.bookings import services
from shared.bookings.models import HOLDING, Booking
from shared.core.errors import NotFoundError
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.tours import readmodel, seats
from shared.tours.models import Departure
from shared.users import services as user_services
from shared.users.models import User


async def cancel_departure(uow: UnitOfWork, *, departure_id: uuid.UUID) -> None:
    """Cancel a departure and every pending or confirmed booking on it (owners are notified)."""
    departure = await uow.session.scalar(select(Departure).where(Departure.id == departure_id).with_for_update())
    if departure is None:
        raise NotFoundError("No such departure")
    bookings = list(await uow.session.scalars(
        select(Booking).where(Booking.departure_id == departure_id, Booking.status.in_(HOLDING)).with_for_update()
    ))
    left = await services.release(uow, bookings, "cancelled", "booking.cancelled") if bookings else {}
    departure.status = "cancelled"
    await uow.commit()
    await readmodel.tour_changed(uow, departure.tour_id, departures=True)
    await seats.seats_changed(left or {departure_id: seats.Seats(departure.seats_left, departure.seats_version)})


async def close_account(uow: UnitOfWork, *, user: User) -> None:
    """Delete the caller's account: future bookings are cancelled in the same transaction."""
    future = list(await uow.session.scalars(
        select(Booking).where(Booking.user_id == user.id, Booking.status.in_(HOLDING),
                              Booking.starts_on > utcnow().date()).with_for_update()
    ))
    left = await services.release(uow, future, "cancelled", "booking.cancelled") if future else {}
    await user_services.delete_me(uow, user=user)  # commits
    await seats.seats_changed(left)
