"""The scheduled jobs: unpaid holds expire, finished trips complete; each gives seats back as it goes.

Apart from `services` so that the two job functions import only what releasing bookings needs, not
what creating, paying and ticketing do (idempotency, payments, tickets, the request schemas).
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, select

from shared.bookings import changes, waitlist
from shared.bookings.models import Booking
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.tours import seats
from shared.users import models as _users  # noqa: F401  Booking references user_account: a flush resolves it

# Longer than a function's timeout (idempotency.LOCK_SECONDS): a payment still under way is never expired.
PAYMENT_LOCK = dt.timedelta(seconds=30)
JOB_BATCH = 500


async def expire_pending(uow: UnitOfWork, *, now: dt.datetime | None = None) -> int:
    """Job: pending bookings past their hold expire and give their seats back. Safe twice at once."""
    now = now or utcnow()
    due = select(Booking.id).where(
        Booking.status == "pending", Booking.expires_at < now,
        (Booking.payment_started_at.is_(None)) | (Booking.payment_started_at < now - PAYMENT_LOCK),
    )
    return await _run_job(uow, due, "pending", "expired", "booking.expired", offer=True)


async def complete_finished(uow: UnitOfWork, *, today: dt.date | None = None) -> int:
    """Job: confirmed bookings whose trip has ended are completed. Safe twice at once."""
    due = select(Booking.id).where(Booking.status == "confirmed", Booking.ends_on < (today or utcnow().date()))
    return await _run_job(uow, due, "confirmed", "completed", "booking.completed")


async def _run_job(uow: UnitOfWork, due: Select[uuid.UUID], was: str, becomes: str, event: str, *,
                   offer: bool = False) -> int:
    done = 0
    while True:
        # SKIP LOCKED: a second run at the same time takes other rows, never the same ones twice.
        batch = list(await uow.session.scalars(
            select(Booking).where(Booking.id.in_(due.limit(JOB_BATCH).scalar_subquery()), Booking.status == was)
            .with_for_update(skip_locked=True)
        ))
        if not batch:
            return done
        released = await changes.release(uow, batch, becomes, event)
        offered = await waitlist.offer_freed(uow, released.left) if offer else {}  # expired offers pass on
        seats.changing(uow, released.left | offered)
        await uow.commit()
        done += len(batch)
