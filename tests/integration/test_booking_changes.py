"""Changing a booking against the real database: the races a single request cannot show."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from shared.bookings import edits, invariants, payments, services
from shared.bookings.errors import SoldOutError
from shared.bookings.models import Booking, Refund
from shared.bookings.payments import Charge, FakeProvider
from shared.bookings.schemas import BookingUpdate, PaymentIn
from shared.core.uow import UnitOfWork
from tests.support.builders import make_booking, make_departure, make_tour, make_user


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    previous = payments.use(fake)
    yield fake
    payments.use(previous)


async def test_seats_taken_while_the_difference_was_charged_are_refunded_in_full_and_nothing_moves(
    uow: UnitOfWork, provider: FakeProvider
) -> None:
    owner, rival = await make_user(uow), await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow, price_cents=10_000)).id, capacity=3)
    booking = await make_booking(uow, owner, departure.id, seats=1)
    await services.pay_booking(uow, caller=owner, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))

    class RivalBooksMeanwhile(FakeProvider):
        async def charge(self, *, token: str, amount_cents: int, currency: str, idempotency_key: str) -> Charge:
            await make_booking(uow, rival, departure.id, seats=2)  # the last two seats go while we are away
            payments.use(provider)
            return await provider.charge(token=token, amount_cents=amount_cents, currency=currency,
                                         idempotency_key=idempotency_key)

    payments.use(RivalBooksMeanwhile())
    with pytest.raises(SoldOutError):
        await edits.change_booking(uow, caller=owner, booking_id=booking.id,
                                   data=BookingUpdate(seats=3, payment_token="tok_ok"))
    booking = await uow.session.get_one(Booking, booking.id, populate_existing=True)
    assert (booking.seats, booking.paid_cents, booking.refunded_cents) == (1, 30_000, 20_000)
    refunds = list(await uow.session.scalars(select(Refund.reason).where(Refund.booking_id == booking.id)))
    assert refunds == ["change_failed"]
    assert [amount for _, amount in provider.charges] == [10_000, 20_000]
    assert [amount for _, amount in provider.refunds] == [20_000]
    assert await invariants.capacity_violations(uow, [departure.id]) == []
