"""Warm reads need no SQL; every write shows on the very next read; a read that raced a write leaves nothing stale.

Every test runs against both backends: the in-process cache and the real Redis.
"""
from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select, update

from shared.bookings import services as booking_services
from shared.bookings.models import Booking
from shared.core import cache, db, readcache
from shared.core.cache import get_cache
from shared.core.errors import NotFoundError
from shared.core.schemas import PageQuery
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.favourites import services as favourites
from shared.reviews import readmodel as review_pages
from shared.reviews import services as reviews
from shared.reviews.schemas import ReviewCreate, ReviewsQuery
from shared.tours import archive, cards, seats, services, tourcard
from shared.tours.models import Departure, Tour
from shared.tours.schemas import DepartureUpdate, DeparturesQuery, ToursQuery, TourUpdate
from tests import services as test_services
from tests.support.builders import make_booking, make_departure, make_tour, make_user


@pytest.fixture(autouse=True, params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The in-process cache, or the real Redis (its test database flushed first)."""
    if request.param == "redis":
        os.environ["REDIS_URL"] = test_services.redis_url()
        reset_settings()
        cache.reset()
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        client.flushdb()
        client.close()
    yield request.param
    await cache.close()


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
async def sql(uow: UnitOfWork) -> AsyncIterator[StatementLog]:
    log = StatementLog()
    engine = db.get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", log)
    yield log
    event.remove(engine, "before_cursor_execute", log)


async def test_a_warm_tour_read_runs_no_sql_and_shows_live_seats(uow: UnitOfWork, sql: StatementLog) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id, capacity=8)
    await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    await make_booking(uow, await make_user(uow), departure.id, seats=2)
    sql.reset()
    again = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert sql.statements == []
    assert again.next_departure is not None and (again.next_departure.id, again.next_departure.seats_left) == (
        departure.id, 6)
    assert "keys" not in again.model_dump()


async def test_a_warm_tour_is_answered_from_its_card_with_the_bytes_the_model_would_give(
        uow: UnitOfWork, sql: StatementLog) -> None:
    tour = await make_tour(uow, title="Ærø — «cycling» \"here\" \\ there", tags=["île", "fjord"])
    departure = await make_departure(uow, tour.id, capacity=8)
    bare = await make_tour(uow)  # no departure: `next_departure` is null
    await uow.session.execute(update(Tour).where(Tour.id == tour.id).values(rating=4.25, reviews_count=3))
    tourcard.changing(uow, tour.id)
    await uow.commit()
    for key in (str(tour.id), str(bare.id), tour.slug):  # the cards written through, the slug looked up
        cold = await services.get_tour_json(uow, tour_id=key, is_admin=False)
        assert cold == (await services.get_tour(uow, tour_id=key, is_admin=False)).model_dump_json().encode()
    await make_booking(uow, await make_user(uow), departure.id, seats=3)
    sql.reset()
    for key in (str(tour.id), str(tour.id).upper(), tour.slug, str(bare.id)):
        warm = await services.get_tour_json(uow, tour_id=key, is_admin=False)
        model = await services.get_tour(uow, tour_id=key, is_admin=False)
        assert warm == model.model_dump_json().encode()
    assert sql.statements == []
    shown = json.loads(await services.get_tour_json(uow, tour_id=str(tour.id), is_admin=False))
    assert (shown["title"], shown["rating"], shown["next_departure"]["seats_left"]) == (
        "Ærø — «cycling» \"here\" \\ there", 4.25, 5)
    assert "keys" not in shown


async def test_a_warm_tour_answer_hides_drafts_and_the_gone_and_reads_expired_seats(
        uow: UnitOfWork, sql: StatementLog) -> None:
    draft = await make_tour(uow, is_published=False)
    gone = await make_tour(uow)
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id, capacity=7)
    await archive.delete_tour(uow, tour_id=gone.id)
    await services.get_tour_json(uow, tour_id=draft.slug, is_admin=True)  # the slug's id is cached from now on
    sql.reset()
    for key in (str(draft.id), draft.slug):
        with pytest.raises(NotFoundError):
            await services.get_tour_json(uow, tour_id=key, is_admin=False)
        assert json.loads(await services.get_tour_json(uow, tour_id=key, is_admin=True))["id"] == str(draft.id)
    for is_admin in (False, True):
        with pytest.raises(NotFoundError):  # its tombstone
            await services.get_tour_json(uow, tour_id=str(gone.id), is_admin=is_admin)
    assert sql.statements == []

    await get_cache().delete(seats.seats_key(departure.id))
    shown = json.loads(await services.get_tour_json(uow, tour_id=str(tour.id), is_admin=False))
    assert shown["next_departure"]["seats_left"] == 7 and len(sql.statements) == 1
    for key in (str(uuid.uuid4()), "no-such-slug", "Not A Slug!"):
        with pytest.raises(NotFoundError):
            await services.get_tour_json(uow, tour_id=key, is_admin=True)


async def test_a_warm_list_runs_no_sql_and_a_cold_one_runs_one_statement(uow: UnitOfWork, sql: StatementLog) -> None:
    country = f"Cacheland {uuid.uuid4().hex[:6]}"
    for _ in range(3):
        await make_departure(uow, (await make_tour(uow, country=country)).id)
    sql.reset()
    first = await services.list_tours(uow, query=ToursQuery(country=country, seats=1))
    assert len(sql.statements) == 1
    sql.reset()
    second = await services.list_tours(uow, query=ToursQuery(country=country, seats=1))
    assert sql.statements == [] and second.model_dump_json() == first.model_dump_json()


async def test_a_warm_page_runs_no_sql_and_shows_live_seats(uow: UnitOfWork, sql: StatementLog) -> None:
    country = f"Pageland {uuid.uuid4().hex[:6]}"
    tour = await make_tour(uow, country=country)
    departure = await make_departure(uow, tour.id, capacity=8)
    await services.list_tours(uow, query=ToursQuery(country=country))
    await make_booking(uow, await make_user(uow), departure.id, seats=5)
    sql.reset()
    page = await services.list_tours(uow, query=ToursQuery(country=country))
    assert sql.statements == []
    assert [(t.id, t.next_departure and t.next_departure.seats_left) for t in page.items] == [(tour.id, 3)]


async def _seats_committed(uow: UnitOfWork, counts: dict[uuid.UUID, seats.Seats]) -> None:
    """What a write of seats does: registers the counts, which reach the cache once its transaction commits."""
    seats.changing(uow, counts)
    await uow.commit()


async def test_departures_lists_are_cached_with_live_seats(uow: UnitOfWork, sql: StatementLog) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id, capacity=9)
    await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    sql.reset()
    page = await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    assert sql.statements == [] and [(d.id, d.seats_left) for d in page.items] == [(departure.id, 9)]

    await uow.session.execute(
        update(Departure).where(Departure.id == departure.id).values(seats_taken=4, seats_version=1)
    )
    await _seats_committed(uow, {departure.id: seats.Seats(5, 1)})
    sql.reset()
    page = await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    shown = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert sql.statements == []
    assert page.items[0].seats_left == 5 and shown.next_departure and shown.next_departure.seats_left == 5


async def test_a_seat_count_that_arrives_late_never_replaces_a_newer_one(uow: UnitOfWork, sql: StatementLog) -> None:
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id, capacity=10)
    await services.get_tour(uow, tour_id=tour.id, is_admin=False)  # both pages warm
    await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    user = await make_user(uow)
    await make_booking(uow, user, departure.id, seats=2)
    first = await uow.session.scalar(select(Departure.seats_version).where(Departure.id == departure.id))
    await make_booking(uow, user, departure.id, seats=3)
    # Two bookings committed in this order; the first one's write-through reaches the cache last.
    await _seats_committed(uow, {departure.id: seats.Seats(8, int(first or 0))})
    sql.reset()
    shown = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    page = await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    assert sql.statements == []
    assert shown.next_departure and shown.next_departure.seats_left == 5 and page.items[0].seats_left == 5


async def test_every_write_shows_on_the_next_read(uow: UnitOfWork) -> None:
    country = f"Writeland {uuid.uuid4().hex[:6]}"
    tour = await make_tour(uow, country=country, title="Before the edit")
    departure = await make_departure(uow, tour.id, capacity=10)
    listed = await services.list_tours(uow, query=ToursQuery(country=country))
    await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    assert listed.items[0].title == "Before the edit"

    await services.update_tour(uow, tour_id=tour.id, data=TourUpdate(title="After the edit"))
    assert (await services.list_tours(uow, query=ToursQuery(country=country))).items[0].title == "After the edit"
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=False)).title == "After the edit"

    await services.update_departure(uow, departure_id=departure.id, data=DepartureUpdate(capacity=15))
    page = await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    assert (page.items[0].capacity, page.items[0].seats_left) == (15, 15)

    await services.update_tour(uow, tour_id=tour.id, data=TourUpdate(is_published=False))
    assert (await services.list_tours(uow, query=ToursQuery(country=country))).items == []

    later = await make_departure(uow, tour.id, days_ahead=3)
    upcoming = (await services.get_tour(uow, tour_id=tour.id, is_admin=True)).next_departure
    assert upcoming is not None and upcoming.id == later.id


async def test_a_broken_cache_falls_back_to_the_database(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    from shared.core.settings import reset_settings

    reset_settings()
    country = f"Downland {uuid.uuid4().hex[:6]}"
    tour = await make_tour(uow, country=country)
    assert [t.id for t in (await services.list_tours(uow, query=ToursQuery(country=country))).items] == [tour.id]
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=False)).id == tour.id


async def test_whether_a_tour_is_public_is_read_from_its_card_or_one_lookup(uow: UnitOfWork, sql: StatementLog) -> None:
    public, hidden = await make_tour(uow), await make_tour(uow, is_published=False)  # cards written through
    sql.reset()
    await cards.require_public(uow, public.id)
    with pytest.raises(NotFoundError):
        await cards.require_public(uow, hidden.id)
    assert sql.statements == []

    await get_cache().delete(*(cards.card_key(tour.id, cards.today()) for tour in (public, hidden)))
    await cards.require_public(uow, public.id)
    for unseen in (hidden.id, uuid.uuid4()):
        with pytest.raises(NotFoundError):
            await cards.require_public(uow, unseen)
    assert len(sql.statements) == 3

    await services.update_tour(uow, tour_id=hidden.id, data=TourUpdate(is_published=True))
    await archive.delete_tour(uow, tour_id=public.id)
    sql.reset()
    await cards.require_public(uow, hidden.id)
    with pytest.raises(NotFoundError):  # its tombstone
        await cards.require_public(uow, public.id)
    assert sql.statements == []


async def test_a_read_that_raced_an_archive_cannot_bring_the_tour_back(uow: UnitOfWork, sql: StatementLog) -> None:
    country = f"Ghostland {uuid.uuid4().hex[:6]}"
    tour = await make_tour(uow, country=country)
    departure = await make_departure(uow, tour.id)
    user = await make_user(uow)
    booking = await make_booking(uow, user, departure.id)
    await booking_services.cancel_booking(uow, caller=user, booking_id=booking.id)
    await services.list_tours(uow, query=ToursQuery(country=country))  # warm: the page and the card
    card = await get_cache().get(cards.card_key(tour.id, cards.today()))
    assert card is not None

    await archive.delete_tour(uow, tour_id=tour.id)
    # A read that fetched the card before the archive committed fills it afterwards, only if absent.
    await get_cache().set_many({cards.card_key(tour.id, cards.today()): card}, cards.CARD_TTL,
                               only_new=True)

    with pytest.raises(NotFoundError):
        await services.get_tour(uow, tour_id=tour.id, is_admin=True)
    assert (await services.list_tours(uow, query=ToursQuery(country=country))).items == []
    sql.reset()
    with pytest.raises(NotFoundError):  # known gone: answered from the cache
        await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert sql.statements == []


async def test_a_cancelled_booking_gives_its_seats_back_on_every_warm_read(uow: UnitOfWork) -> None:
    country = f"Cancelland {uuid.uuid4().hex[:6]}"
    tour = await make_tour(uow, country=country)
    departure = await make_departure(uow, tour.id, capacity=6)
    user = await make_user(uow)
    booking = await make_booking(uow, user, departure.id, seats=4)
    window = ToursQuery(country=country, date_from=departure.starts_on, date_to=departure.starts_on, seats=3)
    assert (await services.list_tours(uow, query=window)).items == []  # 2 left: not enough for 3
    listed = await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    assert listed.items[0].seats_left == 2

    await booking_services.cancel_booking(uow, caller=user, booking_id=booking.id)
    assert [t.id for t in (await services.list_tours(uow, query=window)).items] == [tour.id]
    listed = await services.list_departures(uow, tour_id=tour.id, query=DeparturesQuery(), is_admin=False)
    shown = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert listed.items[0].seats_left == 6 and shown.next_departure and shown.next_departure.seats_left == 6


async def test_reviews_written_or_deleted_show_on_the_next_read(uow: UnitOfWork, sql: StatementLog) -> None:
    tour = await make_tour(uow)
    traveller = await make_user(uow)
    booking = await make_booking(uow, traveller, (await make_departure(uow, tour.id)).id)
    await uow.session.execute(update(Booking).where(Booking.id == booking.id).values(status="completed"))
    assert (await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())).items == []

    review = await reviews.create_review(uow, user=traveller, tour_id=tour.id, data=ReviewCreate(rating=4, text="Good"))
    page = await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())
    shown = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert [item.id for item in page.items] == [review.id] and (shown.reviews_count, shown.rating) == (1, 4)
    sql.reset()
    assert (await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())) == page
    assert sql.statements == []

    await reviews.delete_review(uow, caller=traveller, review_id=review.id)
    assert (await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())).items == []
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=False)).reviews_count == 0


async def test_favourites_kept_or_dropped_show_on_the_next_read(uow: UnitOfWork, sql: StatementLog) -> None:
    user, tour = await make_user(uow), await make_tour(uow)
    assert (await favourites.list_favourites(uow, user=user, query=PageQuery())).items == []
    await favourites.add_favourite(uow, user=user, tour_id=tour.id)
    assert [t.id for t in (await favourites.list_favourites(uow, user=user, query=PageQuery())).items] == [tour.id]
    sql.reset()
    assert [t.id for t in (await favourites.list_favourites(uow, user=user, query=PageQuery())).items] == [tour.id]
    assert sql.statements == []
    await services.update_tour(uow, tour_id=tour.id, data=TourUpdate(title="Renamed"))
    assert (await favourites.list_favourites(uow, user=user, query=PageQuery())).items[0].title == "Renamed"
    await favourites.remove_favourite(uow, user=user, tour_id=tour.id)
    assert (await favourites.list_favourites(uow, user=user, query=PageQuery())).items == []


async def test_a_page_built_before_a_write_is_never_read_under_the_new_version(uow: UnitOfWork) -> None:
    version = f"test:version:{uuid.uuid4()}"
    data = {"value": "old"}
    reading, written = asyncio.Event(), asyncio.Event()

    async def slow_build() -> dict[str, Any]:
        seen = dict(data)  # the read's SQL ran before the write committed
        reading.set()
        await written.wait()
        return seen

    async def write() -> None:
        await reading.wait()
        data["value"] = "new"
        readcache.changed(uow, versions=[version])
        await uow.commit()
        written.set()

    raced, _ = await asyncio.gather(readcache.page([version], "test:page", "q", slow_build), write())
    assert raced.body == {"value": "old"}  # what that read saw: it started before the write

    async def build() -> dict[str, Any]:
        return dict(data)

    assert (await readcache.page([version], "test:page", "q", build)).body == {"value": "new"}
    assert (await readcache.page([version], "test:page", "q", build)).body == {"value": "new"}
