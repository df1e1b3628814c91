"""A tour's card in the cache: its key, the tombstone of a tour that is gone, and whether the public may see it.

`readmodel` builds and writes the cards (its docstring says when); this module knows only where they are,
so that a domain that asks one question of a tour (reviews: is it public?) needs neither the read
model's schemas nor its queries.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import select

from shared.core.cache import get_cache
from shared.core.errors import NotFoundError
from shared.core.uow import UnitOfWork
from shared.tours.models import Tour

CARD_TTL = 600
GONE = b'{"keys":[]}'  # the card of a tour that was archived or deleted: known absent, not a miss


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def card_key(tour_id: uuid.UUID | str, day: dt.date) -> str:
    return f"card:{tour_id}:{day.isoformat()}"


async def require_public(uow: UnitOfWork, tour_id: uuid.UUID) -> None:
    """Not found unless the tour is published: its cached card says so, or one lookup by primary key.

    An archived tour is never published (a CHECK constraint), so `is_published` answers for it too.
    """
    card = await get_cache().get(card_key(tour_id, today()))
    if card is not None:
        public = card != GONE and json.loads(card).get("is_published") is True
    else:
        public = bool(await uow.session.scalar(select(Tour.is_published).where(Tour.id == tour_id)))
    if not public:
        raise NotFoundError("No such tour")
