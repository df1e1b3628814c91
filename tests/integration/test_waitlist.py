"""The waitlist against the real database: who is offered freed seats, when, and only once."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update

from shared.bookings import edits, invariants, jobs, services, waitlist
from shared.bookings.errors import AlreadyWaitlistedError, DepartureClosedError, SeatsAvailableError
from shared.bookings.models import Booking, WaitlistEntry
from shared.bookings.schemas import BookingUpdate, WaitlistJoin
from shared.core.errors import InvalidStateError, NotFoundError
from shared.core.outbox import OutboxEvent
from shared.core.schemas import PageQuery
from shared.core.uow import UnitOfWork
from shared.tours import services as tour_services
from shared.tours.schemas import DepartureOut, DepartureUpdate
from shared.users.models import User
from tests.support.builders import make_booking, make_departure, make_tour, make_user


async def _full(uow: UnitOfWork, capacity: int = 3) -> tuple[DepartureOut, User, Booking]:
    """A departure sold out by one booking of its own."""
    departure = await make_departure(uow, (await make_tour(uow)).id, capacity=capacity)
    holder = await make_user(uow)
    return departure, holder, await make_booking(uow, holder, departure.id, seats=capacity)


async def _entry(uow: UnitOfWork, entry_id: uuid.UUID) -> WaitlistEntry:
    return await uow.session.get_one(WaitlistEntry, entry_id, populate_existing=True)


async def _left(uow: UnitOfWork, departure_id: uuid.UUID) -> int:
    from shared.tours.models import Departure

    departure = await uow.session.get_one(Departure, departure_id, populate_existing=True)
    return departure.seats_left


async def test_joining_is_for_sold_out_departures_once_per_person(uow: UnitOfWork) -> None:
    departure, _, _ = await _full(uow, capacity=3)
    user = await make_user(uow)
    entry = await waitlist.join_waitlist(uow, user=user, departure_id=departure.id, data=WaitlistJoin(seats=2))
    assert (entry.status, entry.position, entry.seats, entry.booking_id) == ("waiting", 1, 2, None)
    with pytest.raises(AlreadyWaitlistedError):
        await waitlist.join_waitlist(uow, user=user, departure_id=departure.id, data=WaitlistJoin(seats=1))
    second = await waitlist.join_waitlist(uow, user=await make_user(uow), departure_id=departure.id,
                                          data=WaitlistJoin(seats=1))
    assert second.position == 2
    roomy = await make_departure(uow, (await make_tour(uow)).id, capacity=5)
    with pytest.raises(SeatsAvailableError) as refused:
        await waitlist.join_waitlist(uow, user=user, departure_id=roomy.id, data=WaitlistJoin(seats=2))
    assert refused.value.extra == {"seats_left": 5}
    await tour_services.update_departure(uow, departure_id=departure.id, data=DepartureUpdate(status="closed"))
    with pytest.raises(DepartureClosedError):
        await waitlist.join_waitlist(uow, user=await make_user(uow), departure_id=departure.id,
                                     data=WaitlistJoin(seats=1))
    with pytest.raises(NotFoundError):
        await waitlist.join_waitlist(uow, user=user, departure_id=uuid.uuid4(), data=WaitlistJoin(seats=1))


async def test_a_cancellation_offers_its_seats_to_the_oldest_entry_that_fits(uow: UnitOfWork) -> None:
    departure, holder, booking = await _full(uow, capacity=3)
    big, first, second = await make_user(uow), await make_user(uow), await make_user(uow)
    too_big = await waitlist.join_waitlist(uow, user=big, departure_id=departure.id, data=WaitlistJoin(seats=4))
    early = await waitlist.join_waitlist(uow, user=first, departure_id=departure.id, data=WaitlistJoin(seats=2))
    late = await waitlist.join_waitlist(uow, user=second, departure_id=departure.id, data=WaitlistJoin(seats=2))
    await services.cancel_booking(uow, caller=holder, booking_id=booking.id)
    offered = await _entry(uow, early.id)
    assert offered.status == "offered" and offered.booking_id is not None
    assert (await _entry(uow, too_big.id)).status == "waiting"  # 4 seats do not fit in 3
    assert (await _entry(uow, late.id)).status == "waiting"  # 1 seat left: 2 do not fit
    held = await uow.session.get_one(Booking, offered.booking_id, populate_existing=True)
    assert (held.user_id, held.status, held.seats, held.expires_at is not None) == (first.id, "pending", 2, True)
    assert await _left(uow, departure.id) == 1
    events = list(await uow.session.scalars(select(OutboxEvent.type).where(OutboxEvent.aggregate_id == early.id)))
    assert events == ["waitlist.offered"]
    page = await waitlist.list_waitlist(uow, user=second, query=PageQuery())
    assert [(item.id, item.position) for item in page.items] == [(late.id, 2)]  # behind the 4-seat entry
    assert await invariants.capacity_violations(uow, [departure.id]) == []


async def test_an_offer_that_expires_unpaid_passes_the_seats_to_the_next(uow: UnitOfWork) -> None:
    departure, holder, booking = await _full(uow, capacity=2)
    first, second = await make_user(uow), await make_user(uow)
    one = await waitlist.join_waitlist(uow, user=first, departure_id=departure.id, data=WaitlistJoin(seats=2))
    two = await waitlist.join_waitlist(uow, user=second, departure_id=departure.id, data=WaitlistJoin(seats=2))
    await services.cancel_booking(uow, caller=holder, booking_id=booking.id)
    offer = (await _entry(uow, one.id)).booking_id
    await uow.session.execute(update(Booking).where(Booking.id == offer).values(
        expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
    await uow.commit()
    assert await jobs.expire_pending(uow) >= 1
    passed = await _entry(uow, two.id)
    assert passed.status == "offered"
    assert (await uow.session.get_one(Booking, passed.booking_id)).user_id == second.id
    assert await _left(uow, departure.id) == 0
    assert await invariants.capacity_violations(uow, [departure.id]) == []


async def test_a_shrink_a_move_away_and_more_capacity_all_offer_seats(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    first_date = await make_departure(uow, tour.id, capacity=3)
    other_date = await make_departure(uow, tour.id, capacity=5, days_ahead=40)
    holder = await make_user(uow)
    booking = await make_booking(uow, holder, first_date.id, seats=3)
    waiting = [await make_user(uow) for _ in range(3)]
    entries = [await waitlist.join_waitlist(uow, user=user, departure_id=first_date.id, data=WaitlistJoin(seats=1))
               for user in waiting]
    await edits.change_booking(uow, caller=holder, booking_id=booking.id, data=BookingUpdate(seats=2))
    assert [(await _entry(uow, entry.id)).status for entry in entries] == ["offered", "waiting", "waiting"]
    await edits.change_booking(uow, caller=holder, booking_id=booking.id,
                               data=BookingUpdate(departure_id=other_date.id))
    assert [(await _entry(uow, entry.id)).status for entry in entries] == ["offered", "offered", "offered"]
    assert await _left(uow, first_date.id) == 0
    late = await waitlist.join_waitlist(uow, user=await make_user(uow), departure_id=first_date.id,
                                        data=WaitlistJoin(seats=2))
    await tour_services.update_departure(uow, departure_id=first_date.id, data=DepartureUpdate(capacity=5))
    assert (await _entry(uow, late.id)).status == "offered"
    assert await invariants.capacity_violations(uow, [first_date.id, other_date.id]) == []


async def test_leaving_removes_a_waiting_entry_but_not_an_offered_one(uow: UnitOfWork) -> None:
    departure, holder, booking = await _full(uow, capacity=1)
    user, stranger = await make_user(uow), await make_user(uow)
    entry = await waitlist.join_waitlist(uow, user=user, departure_id=departure.id, data=WaitlistJoin(seats=1))
    with pytest.raises(NotFoundError):
        await waitlist.leave_waitlist(uow, user=stranger, entry_id=entry.id)
    await waitlist.leave_waitlist(uow, user=user, entry_id=entry.id)
    assert (await waitlist.list_waitlist(uow, user=user, query=PageQuery())).items == []
    again = await waitlist.join_waitlist(uow, user=user, departure_id=departure.id, data=WaitlistJoin(seats=1))
    await services.cancel_booking(uow, caller=holder, booking_id=booking.id)
    with pytest.raises(InvalidStateError):
        await waitlist.leave_waitlist(uow, user=user, entry_id=again.id)
