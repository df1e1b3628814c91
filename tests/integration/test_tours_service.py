"""The catalogue against the real database: filters, sorts, pages, seats, admin rules."""
from __future__ import annotations

import datetime as dt
import random
import string
import uuid

import pytest
from sqlalchemy import func, select, update

from shared.bookings import cascades
from shared.bookings import services as booking_services
from shared.bookings.schemas import PaymentIn
from shared.core.errors import BadRequestError, InvalidStateError, NotFoundError
from shared.core.uow import UnitOfWork
from shared.tours import archive, queries, services
from shared.tours.errors import CapacityBelowTakenError, DepartureExistsError, HasActiveBookingsError
from shared.tours.models import Departure, Tour
from shared.reviews import readmodel as review_pages
from shared.reviews.schemas import ReviewsQuery
from shared.tours.schemas import DepartureCreate, DepartureUpdate, DeparturesQuery, ToursQuery, TourUpdate
from tests.support.builders import make_booking, make_departure, make_tour, make_user


def _country() -> str:
    return f"Testland {uuid.uuid4().hex[:6]}"


async def _ids(uow: UnitOfWork, **params: object) -> list[uuid.UUID]:
    page = await services.list_tours(uow, query=ToursQuery.model_validate(params))
    return [tour.id for tour in page.items]


async def test_a_new_tour_is_shown_with_its_next_departure(uow: UnitOfWork) -> None:
    tour = await make_tour(uow, title="Douro Valley Wine Trail", tags=["Wine", "wine", "Food"])
    assert tour.slug.startswith("douro-valley-wine-trail-")
    assert tour.tags == ["wine", "food"] and tour.next_departure is None and tour.rating is None
    later = await make_departure(uow, tour.id, days_ahead=40, capacity=12)
    sooner = await make_departure(uow, tour.id, days_ahead=10, capacity=8)
    shown = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert shown.next_departure is not None
    assert (shown.next_departure.id, shown.next_departure.seats_left) == (sooner.id, 8)
    assert later.seats_left == 12 and later.price_cents == tour.price_cents and later.currency == "EUR"


async def test_unpublished_tours_exist_only_for_admins(uow: UnitOfWork) -> None:
    country = _country()
    draft = await make_tour(uow, country=country, is_published=False)
    with pytest.raises(NotFoundError):
        await services.get_tour(uow, tour_id=draft.id, is_admin=False)
    assert (await services.get_tour(uow, tour_id=draft.id, is_admin=True)).id == draft.id
    assert await _ids(uow, country=country) == []
    with pytest.raises(NotFoundError):
        await services.list_departures(uow, tour_id=draft.id, query=DeparturesQuery(), is_admin=False)


async def test_filters_select_exactly_the_matching_tours(uow: UnitOfWork) -> None:
    country = _country()
    # Letters only, ending like "kayak", so that the stemmer maps the plural onto it.
    word = "zq" + "".join(random.choices(string.ascii_lowercase, k=6)) + "kayak"
    kayak = await make_tour(uow, country=country, city="Porto", tags=["water"], price_cents=50_000,
                            description=f"Paddle the {word} river")
    hike = await make_tour(uow, country=country, city="Faro", tags=["mountains"], price_cents=150_000)
    await make_tour(uow, country=country, city="Porto", is_published=False, description=f"{word} draft")
    assert set(await _ids(uow, country=country.upper())) == {kayak.id, hike.id}
    assert await _ids(uow, country=country, city="porto") == [kayak.id]
    assert await _ids(uow, country=country, tag="Mountains") == [hike.id]
    assert await _ids(uow, country=country, min_price=60_000) == [hike.id]
    assert await _ids(uow, country=country, max_price=60_000) == [kayak.id]
    assert await _ids(uow, q=word) == [kayak.id]
    assert await _ids(uow, q=f"{word}s") == [kayak.id]  # stemmed: the plural finds the singular


async def test_the_window_means_an_open_departure_in_range_with_enough_seats(uow: UnitOfWork) -> None:
    country = _country()
    roomy, tight, closed, none = [await make_tour(uow, country=country) for _ in range(4)]
    await make_departure(uow, roomy.id, days_ahead=20, capacity=10)
    await make_departure(uow, tight.id, days_ahead=20, capacity=1)
    shut = await make_departure(uow, closed.id, days_ahead=20, capacity=10)
    await services.update_departure(uow, departure_id=shut.id, data=DepartureUpdate(status="closed"))
    await make_departure(uow, none.id, days_ahead=90, capacity=10)
    start = dt.date.today() + dt.timedelta(days=15)
    end = start + dt.timedelta(days=29)
    assert set(await _ids(uow, country=country, date_from=start.isoformat(), date_to=end.isoformat())) == {
        roomy.id, tight.id}
    assert await _ids(uow, country=country, date_from=start.isoformat(), date_to=end.isoformat(), seats=2) == [
        roomy.id]
    assert set(await _ids(uow, country=country, seats=2)) == {roomy.id, none.id}


async def test_each_sort_orders_as_documented(uow: UnitOfWork) -> None:
    country = _country()
    cheap = await make_tour(uow, country=country, price_cents=10_000)
    dear = await make_tour(uow, country=country, price_cents=90_000)
    mid = await make_tour(uow, country=country, price_cents=50_000)
    await uow.session.execute(update(Tour).where(Tour.id == cheap.id).values(rating=4.5, reviews_count=2))
    await uow.session.execute(update(Tour).where(Tour.id == mid.id).values(rating=3.0, reviews_count=1))
    await make_departure(uow, dear.id, days_ahead=5)
    await make_departure(uow, mid.id, days_ahead=9)
    await uow.commit()
    assert await _ids(uow, country=country, sort="price") == [cheap.id, mid.id, dear.id]
    assert await _ids(uow, country=country, sort="-price") == [dear.id, mid.id, cheap.id]
    assert await _ids(uow, country=country, sort="-rating") == [cheap.id, mid.id, dear.id]
    assert await _ids(uow, country=country, sort="rating") == [dear.id, mid.id, cheap.id]
    assert await _ids(uow, country=country, sort="starts_on") == [dear.id, mid.id, cheap.id]
    assert await _ids(uow, country=country) == [mid.id, dear.id, cheap.id]  # -created_at


@pytest.mark.parametrize("sort", ["price", "-price", "rating", "-rating", "starts_on", "-created_at"])
async def test_cursor_pages_cover_everything_once_even_with_inserts_between(uow: UnitOfWork, sort: str) -> None:
    country = _country()
    created = [await make_tour(uow, country=country, price_cents=10_000 * (n % 3 + 1)) for n in range(7)]
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = await services.list_tours(uow, query=ToursQuery(country=country, sort=sort, limit=3, cursor=cursor))
        seen.extend(tour.id for tour in page.items)
        if len(seen) == 3:
            await make_tour(uow, country=country, price_cents=999_999)  # lands after the cursor or is skipped
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert {tour.id for tour in created} <= set(seen)


@pytest.mark.parametrize("walk", [1, 5, 1_000_000], ids=["walk-1", "walk-5", "walk-all"])
@pytest.mark.parametrize("sort", ["price", "-price", "rating", "-rating", "-created_at"])
async def test_word_and_window_pages_are_the_same_whichever_plan_runs(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, sort: str, walk: int
) -> None:
    monkeypatch.setattr(queries, "WALK", walk)  # how far the sort's index is walked before the filters drive
    country, word = _country(), "zq" + "".join(random.choices(string.ascii_lowercase, k=8))
    tours = [await make_tour(uow, country=country, price_cents=10_000 * (n % 4 + 1), description=f"See {word}.")
             for n in range(9)]
    await make_tour(uow, country=country, description="Nothing to see.")
    await make_tour(uow, country=country, description=f"A {word} draft.", is_published=False)
    for n, tour in enumerate(tours):
        await make_departure(uow, tour.id, days_ahead=20 + n, capacity=2 if n % 3 == 0 else 5)
        if n % 2:
            await uow.session.execute(update(Tour).where(Tour.id == tour.id).values(rating=n % 5, reviews_count=1))
    await uow.commit()
    rows = (await uow.session.execute(
        select(Tour.id, Tour.price_cents, func.coalesce(Tour.rating, 0), Tour.created_at)
        .where(Tour.id.in_([tour.id for tour in tours]))
    )).all()
    column = {"price": 1, "rating": 2, "created_at": 3}[sort.lstrip("-")]
    expected = [row.id for row in sorted(rows, key=lambda row: (row[column], row.id), reverse=sort.startswith("-"))]
    roomy = {tour.id for n, tour in enumerate(tours) if n % 3}

    assert await _pages(uow, q=word, sort=sort) == expected
    assert await _pages(uow, country=country, seats=3, sort=sort) == [i for i in expected if i in roomy]


async def _pages(uow: UnitOfWork, **params: object) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = await services.list_tours(uow, query=ToursQuery.model_validate(params | {"limit": 2, "cursor": cursor}))
        seen.extend(tour.id for tour in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("cursor", ["not-base64!", "bm90LWpzb24", "WzEsMiwzXQ", "WyJ4IiwieSJd"])
async def test_a_garbage_cursor_is_a_bad_request(uow: UnitOfWork, cursor: str) -> None:
    with pytest.raises(BadRequestError):
        await services.list_tours(uow, query=ToursQuery(cursor=cursor, sort="price"))


async def test_one_departure_per_tour_and_day(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    await make_departure(uow, tour.id, days_ahead=12)
    with pytest.raises(DepartureExistsError):
        await make_departure(uow, tour.id, days_ahead=12)


async def test_capacity_never_drops_below_seats_taken(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id, capacity=10)
    await uow.session.execute(update(Departure).where(Departure.id == departure.id).values(seats_taken=6))
    await uow.commit()
    with pytest.raises(CapacityBelowTakenError):
        await services.update_departure(uow, departure_id=departure.id, data=DepartureUpdate(capacity=5))
    changed = await services.update_departure(uow, departure_id=departure.id, data=DepartureUpdate(capacity=6))
    assert (changed.capacity, changed.seats_left) == (6, 0)


async def test_a_tour_is_not_deleted_while_a_booking_is_pending_or_confirmed(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id)
    user = await make_user(uow)
    booking = await make_booking(uow, user, departure.id)
    with pytest.raises(HasActiveBookingsError):
        await archive.delete_tour(uow, tour_id=tour.id)
    await uow.rollback()  # as the adapter does after a refusal
    await uow.session.refresh(user)
    await booking_services.pay_booking(uow, caller=user, booking_id=booking.id, data=PaymentIn(payment_token="tok_ok"))
    with pytest.raises(HasActiveBookingsError):
        await archive.delete_tour(uow, tour_id=tour.id)
    await uow.rollback()

    shown = await services.get_tour(uow, tour_id=tour.id, is_admin=False)  # nothing changed
    assert shown.is_published and shown.next_departure is not None and shown.next_departure.seats_left == 19
    assert (await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
            ).items[0].status == "open"


async def test_a_tour_whose_bookings_are_over_is_archived_and_gone_from_every_read(uow: UnitOfWork) -> None:
    country = _country()
    tour = await make_tour(uow, country=country)
    departure = await make_departure(uow, tour.id)
    user = await make_user(uow)
    booking = await make_booking(uow, user, departure.id, seats=2)
    await booking_services.cancel_booking(uow, caller=user, booking_id=booking.id)
    assert await _ids(uow, country=country) == [tour.id]

    await archive.delete_tour(uow, tour_id=tour.id)

    for is_admin in (False, True):
        with pytest.raises(NotFoundError):
            await services.get_tour(uow, tour_id=tour.id, is_admin=is_admin)
        with pytest.raises(NotFoundError):
            await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=is_admin)
    assert await _ids(uow, country=country) == []
    assert await _ids(uow, country=country, date_from=dt.date.today().isoformat(), seats=1) == []
    with pytest.raises(NotFoundError):
        await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())
    row = await uow.session.scalar(select(Tour).where(Tour.id == tour.id).execution_options(populate_existing=True))
    assert row is not None and row.archived_at is not None and not row.is_published
    kept = await booking_services.get_booking(uow, caller=user, booking_id=booking.id)
    assert (kept.tour_id, kept.status) == (tour.id, "cancelled")


async def test_an_archived_tour_cannot_be_changed_booked_or_deleted_again(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id)
    user = await make_user(uow)
    booking = await make_booking(uow, user, departure.id)
    await booking_services.cancel_booking(uow, caller=user, booking_id=booking.id)
    await archive.delete_tour(uow, tour_id=tour.id)

    attempts = [
        services.update_tour(uow, tour_id=tour.id, data=TourUpdate(is_published=True)),
        services.create_departure(uow, tour_id=tour.id, data=DepartureCreate(
            starts_on=dt.date.today() + dt.timedelta(days=50), capacity=5)),
        services.update_departure(uow, departure_id=departure.id, data=DepartureUpdate(status="open")),
        cascades.cancel_departure(uow, departure_id=departure.id),
        make_booking(uow, user, departure.id),
        archive.delete_tour(uow, tour_id=tour.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            await attempt
        await uow.rollback()
        await uow.session.refresh(user)
    closed = await uow.session.scalar(
        select(Departure.status).where(Departure.id == departure.id).execution_options(populate_existing=True))
    assert closed == "closed"


async def test_a_tour_that_never_had_a_booking_is_deleted_outright(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    await make_departure(uow, tour.id)
    await archive.delete_tour(uow, tour_id=tour.id)
    with pytest.raises(NotFoundError):
        await services.get_tour(uow, tour_id=tour.id, is_admin=True)
    assert await uow.session.scalar(select(func.count()).select_from(Tour).where(Tour.id == tour.id)) == 0
    assert await uow.session.scalar(select(func.count()).select_from(Departure).where(
        Departure.tour_id == tour.id)) == 0


async def test_a_cancelled_departure_leaves_the_listing_and_cannot_change(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id)
    await cascades.cancel_departure(uow, departure_id=departure.id)
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=False)).next_departure is None
    with pytest.raises(InvalidStateError):
        await services.update_departure(uow, departure_id=departure.id, data=DepartureUpdate(status="open"))


async def test_updates_are_visible_to_the_very_next_read(uow: UnitOfWork) -> None:
    country = _country()
    tour = await make_tour(uow, country=country, price_cents=10_000)
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=False)).price_cents == 10_000
    assert await _ids(uow, country=country, max_price=10_000) == [tour.id]
    await services.update_tour(uow, tour_id=tour.id, data=TourUpdate(price_cents=20_000))
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=False)).price_cents == 20_000
    assert await _ids(uow, country=country, max_price=10_000) == []
