"""Refunds: owed in the transaction of the change that causes them, then paid by the provider, once.

A change that gives money back (a cancellation, fewer seats, a cheaper date) writes a `refund` row with the
change and raises the booking's `refunded_cents` in the same transaction, so the refund exists exactly when
the change does. The provider is called afterwards, with no transaction open, keyed by the row's id: the
request settles it at once; if the function dies after the provider answered (or the provider is down),
`settle_pending` (a job, every minute) calls it again under the same key, and the provider answers with the
refund it already made instead of making a second one.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import select, update

from shared.bookings import payments
from shared.bookings.models import Booking, Refund
from shared.core.orm import utcnow
from shared.core.settings import get_settings, refund_steps
from shared.core.uow import UnitOfWork

logger = logging.getLogger("tourbook.refunds")
SETTLE_AFTER = dt.timedelta(seconds=30)  # the request settles its own refunds first; the job takes the rest
JOB_BATCH = 100


def policy_percent(starts_on: dt.date, today: dt.date | None = None) -> int:
    """The share of a paid amount an owner gets back when giving it up this many days before the departure."""
    days = (starts_on - (today or utcnow().date())).days
    return next((percent for at_least, percent in refund_steps(get_settings().refund_policy) if days >= at_least), 0)


def by_policy(booking: Booking, amount_cents: int, today: dt.date | None = None) -> int:
    """What the policy gives back of `amount_cents` of this booking, never more than it still holds of ours."""
    return min(amount_cents * policy_percent(booking.starts_on, today) // 100, in_full(booking))


def in_full(booking: Booking) -> int:
    """Everything paid and not yet given back (an admin's or a departure's cancellation)."""
    return booking.paid_cents - booking.refunded_cents


def owe(uow: UnitOfWork, booking: Booking, amount_cents: int, reason: str) -> Refund | None:
    """Record a refund for the change just made to `booking` (whose `version` it moved), in its transaction."""
    if amount_cents <= 0:
        return None
    booking.refunded_cents += amount_cents
    refund = Refund(booking_id=booking.id, version=booking.version, amount_cents=amount_cents,
                    currency=booking.currency, reason=reason,
                    status="offline" if booking.payment_method == "offline" else "pending",
                    settled_at=utcnow() if booking.payment_method == "offline" else None)
    uow.session.add(refund)
    return refund


async def settle(uow: UnitOfWork, refunds: Sequence[Refund | None]) -> None:
    """Pay committed refunds through the provider; one that fails stays pending for the job (never raises)."""
    due = [(refund.id, refund.booking_id, refund.amount_cents, refund.currency)
           for refund in refunds if refund is not None and refund.status == "pending"]
    for refund_id, booking_id, amount_cents, currency in due:
        reference = await uow.session.scalar(select(Booking.payment_reference).where(Booking.id == booking_id))
        await uow.commit()  # nothing is held while the provider works
        try:
            paid = await payments.provider().refund(charge_reference=reference, amount_cents=amount_cents,
                                                    currency=currency, idempotency_key=str(refund_id))
        except Exception as exc:  # the provider's answer is unknown: the job asks again under the same key
            logger.warning("refund %s left for the job: %s", refund_id, exc.__class__.__name__)
            continue
        await uow.session.execute(
            update(Refund).where(Refund.id == refund_id, Refund.status == "pending")
            .values(status="done", reference=paid.reference, settled_at=utcnow())
        )
        await uow.commit()


async def settle_pending(uow: UnitOfWork, *, now: dt.datetime | None = None) -> int:
    """Job: refunds still pending a while after their change (a crash, a provider outage) are settled."""
    due = list(await uow.session.scalars(
        select(Refund).where(Refund.status == "pending", Refund.created_at < (now or utcnow()) - SETTLE_AFTER)
        .order_by(Refund.created_at).limit(JOB_BATCH)
    ))
    await settle(uow, due)
    return len(due)
