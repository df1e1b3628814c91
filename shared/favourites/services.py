"""Favourites: the tours a user keeps for later, newest first.

A user's pages are cached under `favourites:version:<user id>` (`shared.core.readcache`; moved once every
change of that user's favourites has committed), as lists of tour ids naming the catalogue's cards, read with
the page in one round trip; seats are live, so a tour edited, unpublished or archived later shows as it is now
(one that is no longer public is left out of the page).
"""
from __future__ import annotations

import uuid
from typing import Any

from pydantic import AwareDatetime
from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from shared.core import readcache
from shared.core.schemas import Page, PageQuery, decode_cursor, encode_cursor
from shared.core.uow import UnitOfWork
from shared.favourites.models import Favourite
from shared.tours import readmodel
from shared.tours import services as tour_services
from shared.tours.models import Tour
from shared.tours import schemas as tour_schemas
from shared.tours.cards import card_key, today
from shared.users.models import User

ORDER = "favourites:-created_at"


async def add_favourite(uow: UnitOfWork, *, user: User, tour_id: uuid.UUID) -> None:
    """Keep a published tour among the caller's favourites (again is no change)."""
    await tour_services.get_tour(uow, tour_id=tour_id, is_admin=False)
    await uow.session.execute(
        insert(Favourite).values(user_id=user.id, tour_id=tour_id).on_conflict_do_nothing()
    )
    await _commit(uow, user.id)


async def remove_favourite(uow: UnitOfWork, *, user: User, tour_id: uuid.UUID) -> None:
    """Drop a tour from the caller's favourites (one that is not there is no change)."""
    await uow.session.execute(delete(Favourite).where(Favourite.user_id == user.id, Favourite.tour_id == tour_id))
    await _commit(uow, user.id)


async def list_favourites(uow: UnitOfWork, *, user: User, query: PageQuery) -> tour_schemas.TourPage:
    """The caller's favourite tours, the latest kept first; cached until the caller's favourites change."""
    day = today()

    async def build() -> dict[str, Any]:
        statement = (
            select(Favourite.tour_id, Favourite.created_at).join(Tour, Tour.id == Favourite.tour_id)
            .where(Favourite.user_id == user.id, Tour.is_published)
        )
        if query.cursor:
            position = decode_cursor(query.cursor, ORDER, AwareDatetime, uuid.UUID)
            statement = statement.where(tuple_(Favourite.created_at, Favourite.tour_id) < position)
        rows = (await uow.session.execute(
            statement.order_by(Favourite.created_at.desc(), Favourite.tour_id.desc()).limit(query.limit + 1)
        )).all()
        last = rows[query.limit - 1] if len(rows) > query.limit else None
        next_cursor = encode_cursor(ORDER, [last.created_at, last.tour_id]) if last else None
        return {"ids": [str(row.tour_id) for row in rows[: query.limit]], "next_cursor": next_cursor,
                "keys": [card_key(row.tour_id, day) for row in rows[: query.limit]]}

    page, cached = await readcache.page([_version_key(user.id)], f"favourites:{user.id}",
                                        f"{day}:{query.limit}:{query.cursor or ''}", build)
    ids = [uuid.UUID(tour_id) for tour_id in page["ids"]]
    tours = await readmodel.read_tours(uow, ids, cached=cached)
    items = [tours[tour_id] for tour_id in ids if tour_id in tours and tours[tour_id].is_published]
    return Page(items=items, next_cursor=page["next_cursor"])


async def _commit(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    readcache.changed(uow, versions=[_version_key(user_id)])
    await uow.commit()


def _version_key(user_id: uuid.UUID) -> str:
    return f"favourites:version:{user_id}"
