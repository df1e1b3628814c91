"""A tour's reviews as read: pages cached until a review of the tour changes.

Apart from `services` so that listing reviews imports neither bookings nor the tours' read model (the
page needs only reviews, their authors and whether the tour is public).
"""
from __future__ import annotations

import time
import uuid

from pydantic import AwareDatetime
from sqlalchemy import select, tuple_

from shared.core.cache import get_cache
from shared.core.schemas import Page, decode_cursor, encode_cursor
from shared.core.uow import UnitOfWork
from shared.reviews import schemas
from shared.reviews.models import Review
from shared.tours import cards
from shared.users.models import User

PAGE_TTL = 300
VERSION_TTL = 7 * 24 * 3600
ANONYMOUS = "Deleted user"
REVIEWS_ORDER = "reviews:-created_at"


async def list_reviews(uow: UnitOfWork, *, tour_id: uuid.UUID, query: schemas.ReviewsQuery) -> schemas.ReviewPage:
    """A published tour's reviews, newest first; cached until a review of the tour changes."""
    await cards.require_public(uow, tour_id)
    cache = get_cache()
    version = await _version(tour_id)
    key = f"reviews:{tour_id}:{version}:{query.limit}:{query.cursor or ''}"

    async def build() -> bytes:
        page = await _page(uow, tour_id, query)
        return page.model_dump_json().encode()

    return schemas.ReviewPage.model_validate_json(await cache.get_or_build(key, PAGE_TTL, build))


def review_out(review: Review, author: User | None) -> schemas.ReviewOut:
    name = (author.full_name if author is not None and author.deleted_at is None else None) or ANONYMOUS
    return schemas.ReviewOut(id=review.id, tour_id=review.tour_id, user_id=review.user_id, author_name=name,
                             rating=review.rating, text=review.text, created_at=review.created_at)


def version_key(tour_id: uuid.UUID) -> str:
    """Moved by every change of the tour's reviews: the cached pages of the old version are never read again."""
    return f"reviews:version:{tour_id}"


async def _page(uow: UnitOfWork, tour_id: uuid.UUID, query: schemas.ReviewsQuery) -> schemas.ReviewPage:
    statement = select(Review, User).outerjoin(User, User.id == Review.user_id).where(Review.tour_id == tour_id)
    if query.cursor:
        position = decode_cursor(query.cursor, REVIEWS_ORDER, AwareDatetime, uuid.UUID)
        statement = statement.where(tuple_(Review.created_at, Review.id) < position)
    rows = (await uow.session.execute(
        statement.order_by(Review.created_at.desc(), Review.id.desc()).limit(query.limit + 1)
    )).all()
    last = rows[query.limit - 1][0] if len(rows) > query.limit else None
    return Page(
        items=[review_out(review, author) for review, author in rows[: query.limit]],
        next_cursor=encode_cursor(REVIEWS_ORDER, [last.created_at, last.id]) if last else None,
    )


async def _version(tour_id: uuid.UUID) -> str:
    cache = get_cache()
    key = version_key(tour_id)
    value = await cache.get(key)
    if value is None:
        await cache.add(key, str(time.time_ns()).encode(), VERSION_TTL)
        value = await cache.get(key)
    return value.decode() if value is not None else "uncached"
