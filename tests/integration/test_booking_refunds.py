"""Refunds against the real database: what the policy gives back, once, even across a crash."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from shared.bookings import cascades, invariants, payments, refunds, services
from shared.bookings.models import Booking, Refund
from shared.bookings.payments import FakeProvider
from shared.bookings.schemas import PaymentIn
from shared.core.errors import InvalidStateError
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.users.models import User
from tests.support.builders import make_booking, make_departure, make_tour, make_user


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    previous = payments.use(fake)
    yield fake
    payments.use(previous)


async def _paid(uow: UnitOfWork, *, days_ahead: int, seats: int = 2) -> tuple[User, Booking]:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow, price_cents=10_000)).id, days_ahead=days_ahead)
    booking = await make_booking(uow, user, departure.id, seats=seats)
    booking = await services.pay_booking(uow, caller=user, booking_id=booking.id,
                                         data=PaymentIn(payment_token="tok_ok"))
    return user, booking


async def _refunds(uow: UnitOfWork, booking: Booking) -> list[tuple[int, str, str]]:
    rows = await uow.session.execute(select(Refund.amount_cents, Refund.reason, Refund.status)
                                     .where(Refund.booking_id == booking.id).order_by(Refund.created_at))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_paying_records_what_was_paid_and_how(uow: UnitOfWork, provider: FakeProvider) -> None:
    _, booking = await _paid(uow, days_ahead=30)
    assert (booking.paid_cents, booking.refunded_cents, booking.payment_method) == (20_000, 0, "card")
    assert [amount for _, amount in provider.charges] == [20_000]


async def test_an_early_cancellation_is_refunded_in_full_once(uow: UnitOfWork, provider: FakeProvider) -> None:
    user, booking = await _paid(uow, days_ahead=30)
    cancelled = await services.cancel_booking(uow, caller=user, booking_id=booking.id)
    assert (cancelled.status, cancelled.refunded_cents) == ("cancelled", 20_000)
    assert await _refunds(uow, booking) == [(20_000, "cancel", "done")]
    assert [amount for _, amount in provider.refunds] == [20_000]


async def test_a_late_cancellation_gets_half_and_a_last_minute_one_nothing(
    uow: UnitOfWork, provider: FakeProvider
) -> None:
    user, late = await _paid(uow, days_ahead=3)
    assert (await services.cancel_booking(uow, caller=user, booking_id=late.id)).refunded_cents == 10_000
    user, last = await _paid(uow, days_ahead=1)
    await uow.session.execute(update(Booking).where(Booking.id == last.id).values(starts_on=dt.date.today()))
    await uow.commit()
    admin = await make_user(uow, role="admin")
    assert refunds.policy_percent(dt.date.today()) == 0
    # the owner can no longer cancel on the day; an admin can, and refunds in full
    assert (await services.cancel_booking(uow, caller=admin, booking_id=last.id)).refunded_cents == 20_000
    assert await _refunds(uow, last) == [(20_000, "admin_cancel", "done")]
    assert [amount for _, amount in provider.refunds] == [10_000, 20_000]


async def test_the_policy_is_a_setting(uow: UnitOfWork, provider: FakeProvider) -> None:
    os.environ["REFUND_POLICY"] = "14:80,0:10"
    reset_settings()
    user, booking = await _paid(uow, days_ahead=10)
    assert (await services.cancel_booking(uow, caller=user, booking_id=booking.id)).refunded_cents == 2_000
    os.environ["REFUND_POLICY"] = "7:150"
    with pytest.raises(ValueError, match="REFUND_POLICY"):
        reset_settings()
        refunds.policy_percent(dt.date.today())


async def test_a_cancelled_departure_refunds_every_paid_booking_in_full(
    uow: UnitOfWork, provider: FakeProvider
) -> None:
    user, paid = await _paid(uow, days_ahead=2)
    unpaid = await make_booking(uow, user, paid.departure_id)
    await cascades.cancel_departure(uow, departure_id=paid.departure_id)
    assert await _refunds(uow, paid) == [(20_000, "departure_cancelled", "done")]
    assert await _refunds(uow, unpaid) == []
    assert provider.refunds == [(provider.refunds[0][0], 20_000)]


class _DiesAfterRefunding(FakeProvider):
    """The provider refunds, then the function dies before it hears back (while `dying`)."""

    dying = True

    async def refund(self, *, charge_reference: str | None, amount_cents: int, currency: str,
                     idempotency_key: str) -> payments.Refund:
        await super().refund(charge_reference=charge_reference, amount_cents=amount_cents, currency=currency,
                             idempotency_key=idempotency_key)
        if self.dying:
            raise ConnectionResetError("the function died")
        return await super().refund(charge_reference=charge_reference, amount_cents=amount_cents, currency=currency,
                                    idempotency_key=idempotency_key)


async def test_a_crash_after_the_provider_refunded_is_settled_by_the_job_without_a_second_refund(
    uow: UnitOfWork, provider: FakeProvider
) -> None:
    user, booking = await _paid(uow, days_ahead=30)
    dying = _DiesAfterRefunding()
    payments.use(dying)
    cancelled = await services.cancel_booking(uow, caller=user, booking_id=booking.id)
    assert cancelled.refunded_cents == 20_000  # owed with the change
    assert await _refunds(uow, booking) == [(20_000, "cancel", "pending")]
    assert len(dying.refunds) == 1
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    dying.dying = False  # the next run hears the provider's answer
    assert await refunds.settle_pending(uow, now=later) >= 1
    assert await refunds.settle_pending(uow, now=later) == 0
    assert await _refunds(uow, booking) == [(20_000, "cancel", "done")]
    assert len(dying.refunds) == 1  # the provider answered the retry with the refund it had made


async def test_a_booking_cancelled_while_its_payment_ran_stays_cancelled_and_the_payment_goes_back(
    uow: UnitOfWork, provider: FakeProvider
) -> None:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow, price_cents=10_000)).id, capacity=4)
    booking = await make_booking(uow, user, departure.id, seats=2)

    class CancelledMeanwhile(FakeProvider):
        async def charge(self, *, token: str, amount_cents: int, currency: str,
                         idempotency_key: str) -> payments.Charge:
            payments.use(provider)
            await services.cancel_booking(uow, caller=user, booking_id=booking.id)
            return await provider.charge(token=token, amount_cents=amount_cents, currency=currency,
                                         idempotency_key=idempotency_key)

    payments.use(CancelledMeanwhile())
    with pytest.raises(InvalidStateError):
        await services.pay_booking(uow, caller=user, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))
    shown = await uow.session.get_one(Booking, booking.id, populate_existing=True)
    assert (shown.status, shown.paid_cents, shown.refunded_cents) == ("cancelled", 20_000, 20_000)
    assert [amount for _, amount in provider.refunds] == [20_000]
    assert await invariants.capacity_violations(uow, [departure.id]) == []
