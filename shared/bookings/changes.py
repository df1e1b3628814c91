"""Every change of a booking: its outbox event, and the seats a released booking gives back.

Apart from `services` so that the functions that only release bookings (closing an account,
cancelling a departure) do not import what creating and paying need (idempotency, payments, tickets).
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import NamedTuple

from sqlalchemy import update

from shared.bookings.models import Booking, Refund
from shared.core import metrics, outbox
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure
from shared.tours.seats import Seats


def counted(booking: Booking) -> None:
    """Count a committed change of a booking (by the status it ended in)."""
    metrics.BOOKINGS.labels(booking.status).inc()


def record(uow: UnitOfWork, type: str, booking: Booking) -> None:
    """Record the change in the outbox (same transaction) and count it once it is committed."""

    async def count() -> None:
        counted(booking)

    # The schemas (their page model is built when the module loads) only when a booking changes: closing an
    # account or cancelling a departure that has none pays nothing for them.
    from shared.bookings import schemas

    uow.after_commit(count)
    outbox.record(uow, type, aggregate_id=booking.id, user_id=booking.user_id,
                  payload=schemas.BookingOut.model_validate(booking).model_dump(mode="json"))


class Released(NamedTuple):
    left: dict[uuid.UUID, Seats]  # the new seats left per departure, for `seats.changing`
    refunds: list[Refund]  # owed with the change, for `refunds.settle` once committed


async def release(uow: UnitOfWork, bookings: Sequence[Booking], status: str, event: str, *,
                  refund: Callable[[Booking], int] | None = None, reason: str = "cancel") -> Released:
    """Move bookings out of pending/confirmed and give their seats back (the caller commits).

    `refund` says what each booking gets back (recorded with the change, before its event is written).
    """
    from shared.bookings import refunds

    returned: dict[uuid.UUID, int] = defaultdict(int)
    owed: list[Refund] = []
    now = utcnow()
    for booking in bookings:
        returned[booking.departure_id] += booking.seats
        booking.status, booking.expires_at, booking.updated_at = status, None, now
        booking.version += 1
        if refund is not None and (owing := refunds.owe(uow, booking, refund(booking), reason)) is not None:
            owed.append(owing)
        record(uow, event, booking)
    left: dict[uuid.UUID, Seats] = {}
    for departure_id in sorted(returned):  # a fixed order: two jobs never wait on each other's rows
        left[departure_id] = Seats(*(await uow.session.execute(
            update(Departure).where(Departure.id == departure_id)
            .values(seats_taken=Departure.seats_taken - returned[departure_id],
                    seats_version=Departure.seats_version + 1)
            .returning(Departure.capacity - Departure.seats_taken, Departure.seats_version)
        )).one())
    return Released(left, owed)
