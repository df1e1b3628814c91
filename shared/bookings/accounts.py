"""Closing an account cancels its future bookings (apart from `services`: it needs the users' `closing`)."""
from __future__ import annotations

from sqlalchemy import select

from shared.bookings import changes, refunds, waitlist
from shared.bookings.models import HOLDING, Booking
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.tours import seats
from shared.users import closing
from shared.users.models import User


async def close_account(uow: UnitOfWork, *, user: User) -> None:
    """Delete the caller's account: future bookings are cancelled (and refunded by policy) in the same transaction."""
    future = list(await uow.session.scalars(
        select(Booking).where(Booking.user_id == user.id, Booking.status.in_(HOLDING),
                              Booking.starts_on > utcnow().date()).with_for_update()
    ))
    released = await changes.release(uow, future, "cancelled", "booking.cancelled",
                                     refund=lambda held: refunds.by_policy(held, held.total_cents))
    offered = await waitlist.offer_freed(uow, released.left)
    seats.changing(uow, released.left | offered)
    await closing.delete_me(uow, user=user)  # commits
    await refunds.settle(uow, released.refunds)
