"""Favourites: idempotent, newest first, cached per user and never stale after a change."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.core.errors import BadRequestError, NotFoundError
from shared.core.schemas import PageQuery
from shared.core.uow import UnitOfWork
from shared.favourites import services
from shared.tours import services as tour_services
from shared.tours.schemas import TourUpdate
from tests.support.builders import make_booking, make_departure, make_tour, make_user


async def _ids(uow: UnitOfWork, user: Any, **params: Any) -> list[uuid.UUID]:
    page = await services.list_favourites(uow, user=user, query=PageQuery.model_validate(params))
    return [tour.id for tour in page.items]


async def test_favourites_are_kept_once_newest_first_and_removed(uow: UnitOfWork) -> None:
    user, other = await make_user(uow), await make_user(uow)
    first, second = await make_tour(uow), await make_tour(uow)
    await services.add_favourite(uow, user=user, tour_id=first.id)
    await services.add_favourite(uow, user=user, tour_id=second.id)
    await services.add_favourite(uow, user=user, tour_id=first.id)  # again: no change, no error
    assert await _ids(uow, user) == [second.id, first.id]
    assert await _ids(uow, other) == []
    await services.remove_favourite(uow, user=user, tour_id=second.id)
    await services.remove_favourite(uow, user=user, tour_id=second.id)
    assert await _ids(uow, user) == [first.id]


async def test_only_published_tours_can_be_kept(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    draft = await make_tour(uow, is_published=False)
    with pytest.raises(NotFoundError):
        await services.add_favourite(uow, user=user, tour_id=draft.id)
    with pytest.raises(NotFoundError):
        await services.add_favourite(uow, user=user, tour_id=uuid.uuid4())


async def test_pages_walk_every_favourite_once(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    tours = [await make_tour(uow) for _ in range(5)]
    for tour in tours:
        await services.add_favourite(uow, user=user, tour_id=tour.id)
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = await services.list_favourites(uow, user=user, query=PageQuery(limit=2, cursor=cursor))
        seen += [tour.id for tour in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [tour.id for tour in reversed(tours)]
    with pytest.raises(BadRequestError):
        await services.list_favourites(uow, user=user, query=PageQuery(cursor="bm90LWEtY3Vyc29y"))


async def test_a_warm_list_runs_no_sql_and_shows_live_tours(uow: UnitOfWork, statements: list[str]) -> None:
    user = await make_user(uow)
    tour = await make_tour(uow)
    departure = await make_departure(uow, tour.id, capacity=5)
    await services.add_favourite(uow, user=user, tour_id=tour.id)
    await _ids(uow, user)
    statements.clear()
    page = await services.list_favourites(uow, user=user, query=PageQuery())
    assert statements == [] and page.items[0].next_departure is not None
    assert page.items[0].next_departure.seats_left == 5
    # Changes of the tour show at once: seats, fields, and a tour that is no longer public leaves the list.
    await make_booking(uow, await make_user(uow), departure.id, seats=2)
    await tour_services.update_tour(uow, tour_id=tour.id, data=TourUpdate(title="Renamed by an admin"))
    page = await services.list_favourites(uow, user=user, query=PageQuery())
    assert page.items[0].title == "Renamed by an admin" and page.items[0].next_departure is not None
    assert page.items[0].next_departure.seats_left == 3
    await tour_services.update_tour(uow, tour_id=tour.id, data=TourUpdate(is_published=False))
    assert await _ids(uow, user) == []
