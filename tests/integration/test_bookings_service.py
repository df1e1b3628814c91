"""Bookings against the real database, each test rolled back: seats, prices, payments, transitions."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update

from shared.bookings import accounts, cascades, invariants, jobs, services, tickets
from shared.bookings.errors import AlreadyCheckedInError, DepartureClosedError, PaymentDeclinedError, SoldOutError
from shared.bookings.models import Booking
from shared.bookings.schemas import BookingCreate, PaymentIn
from shared.core.errors import InvalidStateError, NotFoundError
from shared.core.outbox import OutboxEvent
from shared.core.uow import UnitOfWork
from shared.tours import services as tour_services
from shared.tours.models import Departure
from shared.tours.schemas import DepartureUpdate, TourUpdate
from tests.support.builders import make_booking, make_departure, make_tour, make_user


async def _events(uow: UnitOfWork, booking_id: uuid.UUID) -> list[str]:
    rows = await uow.session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.aggregate_id == booking_id).order_by(OutboxEvent.created_at))
    return list(rows)


async def _seats_left(uow: UnitOfWork, departure_id: uuid.UUID) -> int:
    departure = await uow.session.get(Departure, departure_id, populate_existing=True)
    assert departure is not None
    return departure.seats_left


async def test_a_booking_takes_seats_at_the_server_price_and_waits_for_payment(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    tour = await make_tour(uow, price_cents=30_000, duration_days=4)
    departure = await make_departure(uow, tour.id, capacity=5, price_cents=35_000)
    booking = await services.create_booking(uow, user=user, data=BookingCreate(
        departure_id=departure.id, seats=2, travellers=["Ann", "Bob"], note="window seats"))
    assert (booking.status, booking.seats, booking.total_cents, booking.currency) == ("pending", 2, 70_000, "EUR")
    assert booking.ends_on == booking.starts_on + dt.timedelta(days=3)
    assert booking.expires_at is not None
    assert 890 <= (booking.expires_at - booking.created_at).total_seconds() <= 900
    assert await _seats_left(uow, departure.id) == 3
    assert await _events(uow, booking.id) == ["booking.created"]
    assert await invariants.capacity_violations(uow, [departure.id]) == []


async def test_sold_out_says_how_many_seats_are_left(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow)).id, capacity=3)
    await make_booking(uow, user, departure.id, seats=2)
    with pytest.raises(SoldOutError) as refused:
        await make_booking(uow, user, departure.id, seats=2)
    assert refused.value.extra == {"seats_left": 1}
    assert await _seats_left(uow, departure.id) == 1


async def test_closed_cancelled_and_unknown_departures_are_refused(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    tour = await make_tour(uow)
    closed = await make_departure(uow, tour.id, days_ahead=10)
    await tour_services.update_departure(uow, departure_id=closed.id, data=DepartureUpdate(status="closed"))
    with pytest.raises(DepartureClosedError):
        await make_booking(uow, user, closed.id)
    assert await invariants.capacity_violations(uow, [closed.id]) == []  # the refused rows are gone
    await uow.session.refresh(user)  # a refusal rolls back, which expires what the session held
    past = await make_departure(uow, tour.id, days_ahead=11)
    await uow.session.execute(update(Departure).where(Departure.id == past.id).values(starts_on=dt.date.today()))
    await uow.commit()
    with pytest.raises(DepartureClosedError):
        await make_booking(uow, user, past.id)
    await uow.session.refresh(user)
    with pytest.raises(NotFoundError):
        await make_booking(uow, user, uuid.uuid4())
    draft = await make_tour(uow, is_published=False)
    hidden = await make_departure(uow, draft.id)
    with pytest.raises(NotFoundError):
        await make_booking(uow, user, hidden.id)
    bookings = await uow.session.scalars(select(Booking).where(Booking.user_id == user.id))
    assert list(bookings) == []


async def test_a_tour_changed_since_the_last_booking_books_at_its_new_price_length_and_status(
        uow: UnitOfWork) -> None:
    user = await make_user(uow)
    tour = await make_tour(uow, price_cents=30_000, duration_days=4)
    departure = await make_departure(uow, tour.id, capacity=10)
    first = await make_booking(uow, user, departure.id, seats=1)
    assert (first.total_cents, first.currency, (first.ends_on - first.starts_on).days) == (30_000, "EUR", 3)

    await tour_services.update_tour(uow, tour_id=tour.id, data=TourUpdate(price_cents=45_000))
    second = await make_booking(uow, user, departure.id, seats=2)
    assert (second.total_cents, second.currency, (second.ends_on - second.starts_on).days) == (90_000, "EUR", 3)
    await tour_services.update_tour(uow, tour_id=tour.id, data=TourUpdate(duration_days=2, currency="USD"))
    third = await make_booking(uow, user, departure.id, seats=2)
    assert (third.total_cents, third.currency, (third.ends_on - third.starts_on).days) == (90_000, "USD", 1)
    assert await _seats_left(uow, departure.id) == 5

    await tour_services.update_tour(uow, tour_id=tour.id, data=TourUpdate(is_published=False))
    with pytest.raises(NotFoundError):
        await make_booking(uow, user, departure.id)
    await uow.session.refresh(user)
    assert await _seats_left(uow, departure.id) == 5


async def test_paying_confirms_once_and_a_decline_leaves_it_pending(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    booking = await make_booking(uow, user, (await make_departure(uow, (await make_tour(uow)).id)).id)
    with pytest.raises(PaymentDeclinedError):
        await services.pay_booking(uow, caller=user, booking_id=booking.id,
                                   data=PaymentIn(payment_token="tok_declined"))
    refreshed = await uow.session.get(Booking, booking.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == "pending" and refreshed.payment_started_at is None
    paid = await services.pay_booking(uow, caller=user, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))
    assert paid.status == "confirmed" and paid.expires_at is None and paid.payment_reference
    with pytest.raises(InvalidStateError):
        await services.pay_booking(uow, caller=user, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))
    assert await _events(uow, booking.id) == ["booking.created", "booking.confirmed"]


async def test_an_expired_hold_cannot_be_paid(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    booking = await make_booking(uow, user, (await make_departure(uow, (await make_tour(uow)).id)).id)
    await uow.session.execute(update(Booking).where(Booking.id == booking.id).values(
        expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    await uow.commit()
    with pytest.raises(InvalidStateError):
        await services.pay_booking(uow, caller=user, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))


async def test_cancelling_returns_the_seats_and_they_can_be_booked_again(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow)).id, capacity=2)
    booking = await make_booking(uow, user, departure.id, seats=2)
    cancelled = await services.cancel_booking(uow, caller=user, booking_id=booking.id)
    assert cancelled.status == "cancelled" and await _seats_left(uow, departure.id) == 2
    with pytest.raises(InvalidStateError):
        await services.cancel_booking(uow, caller=user, booking_id=booking.id)
    again = await make_booking(uow, user, departure.id, seats=2)
    assert again.status == "pending" and await _seats_left(uow, departure.id) == 0
    assert await invariants.capacity_violations(uow, [departure.id]) == []


async def test_owners_cannot_cancel_once_the_trip_starts_or_after_check_in_but_admins_can(uow: UnitOfWork) -> None:
    user, admin = await make_user(uow), await make_user(uow, role="admin")
    departure = await make_departure(uow, (await make_tour(uow)).id)
    started = await make_booking(uow, user, departure.id)
    await uow.session.execute(update(Booking).where(Booking.id == started.id).values(starts_on=dt.date.today()))
    checked_in = await make_booking(uow, user, departure.id)
    await uow.session.execute(update(Booking).where(Booking.id == checked_in.id).values(
        status="confirmed", checked_in_at=dt.datetime.now(dt.timezone.utc)))
    await uow.commit()
    for booking in (started, checked_in):
        with pytest.raises(InvalidStateError):
            await services.cancel_booking(uow, caller=user, booking_id=booking.id)
        assert (await services.cancel_booking(uow, caller=admin, booking_id=booking.id)).status == "cancelled"
    assert await invariants.capacity_violations(uow, [departure.id]) == []


async def test_another_users_booking_does_not_exist_for_them(uow: UnitOfWork) -> None:
    owner, other = await make_user(uow), await make_user(uow)
    booking = await make_booking(uow, owner, (await make_departure(uow, (await make_tour(uow)).id)).id)
    with pytest.raises(NotFoundError):
        await services.get_booking(uow, caller=other, booking_id=booking.id)
    with pytest.raises(NotFoundError):
        await services.pay_booking(uow, caller=other, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))
    with pytest.raises(NotFoundError):
        await services.cancel_booking(uow, caller=other, booking_id=booking.id)
    with pytest.raises(NotFoundError):
        await services.ticket(uow, caller=other, booking_id=booking.id)
    assert (await services.get_booking(uow, caller=owner, booking_id=booking.id)).id == booking.id


async def test_a_ticket_checks_in_once_and_a_forged_code_is_unknown(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    booking = await make_booking(uow, user, (await make_departure(uow, (await make_tour(uow)).id)).id)
    with pytest.raises(InvalidStateError):
        await services.ticket(uow, caller=user, booking_id=booking.id)
    await services.pay_booking(uow, caller=user, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))
    issued = await services.ticket(uow, caller=user, booking_id=booking.id)
    assert issued.qr_svg.startswith("<svg") and tickets.booking_of(issued.code) == booking.id
    forged = tickets.code_for(uuid.uuid4())[:-2] + "AA"
    for code in (forged, "garbage", issued.code[:-1]):
        with pytest.raises(NotFoundError):
            await services.check_in(uow, code=code)
    assert (await services.check_in(uow, code=issued.code)).checked_in_at is not None
    with pytest.raises(AlreadyCheckedInError):
        await services.check_in(uow, code=issued.code)


async def test_cancelling_a_departure_cancels_its_bookings(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow)).id, capacity=6)
    first, second = await make_booking(uow, user, departure.id, seats=2), await make_booking(uow, user, departure.id)
    await cascades.cancel_departure(uow, departure_id=departure.id)
    for booking in (first, second):
        refreshed = await uow.session.get(Booking, booking.id, populate_existing=True)
        assert refreshed is not None and refreshed.status == "cancelled"
        assert await _events(uow, booking.id) == ["booking.created", "booking.cancelled"]
    assert await _seats_left(uow, departure.id) == 6
    with pytest.raises(DepartureClosedError):
        await make_booking(uow, user, departure.id)


async def test_jobs_expire_stale_holds_and_complete_finished_trips(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow, duration_days=2)).id, capacity=5)
    stale, fresh = await make_booking(uow, user, departure.id, seats=2), await make_booking(uow, user, departure.id)
    finished = await make_booking(uow, user, departure.id)
    now = dt.datetime.now(dt.timezone.utc)
    await uow.session.execute(update(Booking).where(Booking.id == stale.id).values(expires_at=now - dt.timedelta(1)))
    await uow.session.execute(update(Booking).where(Booking.id == finished.id).values(
        status="confirmed", ends_on=dt.date.today() - dt.timedelta(days=1)))
    await uow.commit()
    assert await jobs.expire_pending(uow) >= 1
    assert await jobs.complete_finished(uow) >= 1
    statuses = {b.id: b.status for b in await uow.session.scalars(
        select(Booking).where(Booking.departure_id == departure.id).execution_options(populate_existing=True))}
    assert statuses == {stale.id: "expired", fresh.id: "pending", finished.id: "completed"}
    assert await _seats_left(uow, departure.id) == 4
    assert await jobs.expire_pending(uow) == 0 and await jobs.complete_finished(uow) == 0
    assert await invariants.capacity_violations(uow, [departure.id]) == []


async def test_closing_an_account_cancels_its_future_bookings(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    departure = await make_departure(uow, (await make_tour(uow)).id, capacity=4)
    booking = await make_booking(uow, user, departure.id, seats=3)
    await accounts.close_account(uow, user=user)
    refreshed = await uow.session.get(Booking, booking.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == "cancelled"
    assert await _seats_left(uow, departure.id) == 4
