"""Search that finds (tags, the window's next departure), tours by slug, the admin catalogue, image delete."""
from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from shared.core import aws as aws_clients
from shared.core.errors import BadRequestError, NotFoundError
from shared.core.schemas import encode_cursor
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.tours import archive, services
from shared.tours.schemas import AdminToursQuery, ImageUploadIn, ToursQuery, TourUpdate
from tests.integration.test_tour_images import PNG, _post
from tests.support.builders import make_booking, make_departure, make_tour, make_user


def _country() -> str:
    return f"Findland {uuid.uuid4().hex[:6]}"


async def test_q_finds_a_tour_by_its_tag(uow: UnitOfWork) -> None:
    country = _country()
    tagged = await make_tour(uow, country=country, title="Quiet days", description="Nothing to say.",
                             tags=["snorkelling", "islands"])
    await make_tour(uow, country=country, title="Loud days", description="Still nothing.", tags=["city"])
    page = await services.list_tours(uow, query=ToursQuery(country=country, q="snorkelling"))
    assert [tour.id for tour in page.items] == [tagged.id]
    # A tag changed later is found by its new word, not its old one.
    await services.update_tour(uow, tour_id=tagged.id, data=TourUpdate(tags=["diving"]))
    assert [t.id for t in (await services.list_tours(uow, query=ToursQuery(country=country, q="diving"))).items] == [
        tagged.id]
    assert (await services.list_tours(uow, query=ToursQuery(country=country, q="snorkelling"))).items == []


async def test_with_a_window_the_next_departure_is_the_first_inside_it(uow: UnitOfWork) -> None:
    country = _country()
    tour = await make_tour(uow, country=country)
    soon = await make_departure(uow, tour.id, days_ahead=5, capacity=2)
    inside = await make_departure(uow, tour.id, days_ahead=40, capacity=9)
    big = await make_departure(uow, tour.id, days_ahead=60, capacity=30)
    start = dt.date.today() + dt.timedelta(days=30)
    for _ in range(2):  # cold, then warm from the cache
        page = await services.list_tours(uow, query=ToursQuery(country=country, date_from=start))
        shown = page.items[0].next_departure
        assert shown is not None and (shown.id, shown.seats_left) == (inside.id, 9)
    roomy = await services.list_tours(uow, query=ToursQuery(country=country, seats=20))
    assert roomy.items[0].next_departure is not None and roomy.items[0].next_departure.id == big.id
    # Without a window the plain next departure shows, and a seat change inside the window is seen at once.
    plain = await services.list_tours(uow, query=ToursQuery(country=country))
    assert plain.items[0].next_departure is not None and plain.items[0].next_departure.id == soon.id
    await make_booking(uow, await make_user(uow), inside.id, seats=3)
    page = await services.list_tours(uow, query=ToursQuery(country=country, date_from=start))
    assert page.items[0].next_departure is not None and page.items[0].next_departure.seats_left == 6
    later = await services.list_tours(uow, query=ToursQuery(country=country, date_from=start, seats=7))
    assert later.items[0].next_departure is not None and later.items[0].next_departure.id == big.id


async def test_sorting_by_date_in_a_window_sorts_by_the_departure_shown(uow: UnitOfWork) -> None:
    country = _country()
    early_outside, late = await make_tour(uow, country=country), await make_tour(uow, country=country)
    await make_departure(uow, early_outside.id, days_ahead=3)
    await make_departure(uow, early_outside.id, days_ahead=50)
    await make_departure(uow, late.id, days_ahead=40)
    start = dt.date.today() + dt.timedelta(days=30)
    ids = [tour.id for tour in (await services.list_tours(
        uow, query=ToursQuery(country=country, date_from=start, sort="starts_on"))).items]
    assert ids == [late.id, early_outside.id]
    first = await services.list_tours(uow, query=ToursQuery(country=country, date_from=start, sort="starts_on",
                                                            limit=1))
    assert first.next_cursor is not None
    rest = await services.list_tours(uow, query=ToursQuery(country=country, date_from=start, sort="starts_on",
                                                           limit=1, cursor=first.next_cursor))
    assert [t.id for t in rest.items] == [early_outside.id]


async def test_a_tour_is_found_by_its_slug_with_no_sql_when_warm(uow: UnitOfWork, statements: list[str]) -> None:
    tour = await make_tour(uow, title="Fjords by Kayak")
    await make_departure(uow, tour.id, capacity=7)
    statements.clear()
    by_slug = await services.get_tour(uow, tour_id=tour.slug, is_admin=False)
    assert by_slug.id == tour.id and by_slug.next_departure is not None and by_slug.next_departure.seats_left == 7
    assert len(statements) == 1
    statements.clear()
    again = await services.get_tour(uow, tour_id=tour.slug, is_admin=False)
    assert statements == [] and again.model_dump() == by_slug.model_dump()
    assert (await services.get_tour(uow, tour_id=str(tour.id), is_admin=False)).id == tour.id


@pytest.mark.parametrize("key", ["no-such-tour-slug", "Not A Slug", "x" * 300, "../etc"])
async def test_an_unknown_slug_is_not_found(uow: UnitOfWork, key: str) -> None:
    with pytest.raises(NotFoundError):
        await services.get_tour(uow, tour_id=key, is_admin=True)


async def test_a_draft_is_found_by_slug_only_by_admins_and_an_archived_tour_by_nobody(uow: UnitOfWork) -> None:
    draft = await make_tour(uow, is_published=False)
    with pytest.raises(NotFoundError):
        await services.get_tour(uow, tour_id=draft.slug, is_admin=False)
    assert (await services.get_tour(uow, tour_id=draft.slug, is_admin=True)).id == draft.id
    await archive.delete_tour(uow, tour_id=draft.id)
    with pytest.raises(NotFoundError):
        await services.get_tour(uow, tour_id=draft.slug, is_admin=True)


async def test_the_admin_list_shows_drafts_newest_first_and_filters(uow: UnitOfWork) -> None:
    word = f"zq{uuid.uuid4().hex[:8]}"
    published = await make_tour(uow, title=f"Published {word}")
    draft = await make_tour(uow, title=f"Draft {word}", is_published=False)
    gone = await make_tour(uow, title=f"Gone {word}", is_published=False)
    await archive.delete_tour(uow, tour_id=gone.id)
    page = await services.list_admin_tours(uow, query=AdminToursQuery(q=word))
    assert [tour.id for tour in page.items] == [draft.id, published.id]
    drafts = await services.list_admin_tours(uow, query=AdminToursQuery(q=word, is_published=False))
    assert [tour.id for tour in drafts.items] == [draft.id]
    first = await services.list_admin_tours(uow, query=AdminToursQuery(q=word, limit=1))
    rest = await services.list_admin_tours(uow, query=AdminToursQuery(q=word, limit=1, cursor=first.next_cursor))
    assert [t.id for t in first.items + rest.items] == [draft.id, published.id] and rest.next_cursor is None
    public = encode_cursor("tours:-created_at", [published.created_at, published.id])  # the public list's
    with pytest.raises(BadRequestError):
        await services.list_admin_tours(uow, query=AdminToursQuery(cursor=public))


async def test_an_image_is_deleted_from_the_tour_and_the_bucket(uow: UnitOfWork, aws: str) -> None:
    tour = await make_tour(uow)
    started = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/png"))
    assert _post(started.upload.model_dump(), PNG) in (200, 201, 204)
    shown = await services.confirm_image(uow, tour_id=tour.id, image_id=started.image_id)
    assert len(shown.image_urls) == 1
    await services.delete_image(uow, tour_id=tour.id, image_id=started.image_id)
    after = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert after.image_urls == []
    assert httpx.get(shown.image_urls[0], timeout=10).status_code == 404
    listed = aws_clients.s3().list_objects_v2(Bucket=get_settings().uploads_bucket, Prefix=f"tours/{tour.id}/")
    assert listed.get("KeyCount", 0) == 0
    with pytest.raises(NotFoundError):
        await services.delete_image(uow, tour_id=tour.id, image_id=started.image_id)
