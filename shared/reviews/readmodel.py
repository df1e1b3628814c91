"""A tour's reviews as read: pages cached under the tour's reviews version (`shared.core.readcache`), which
every change of its reviews moves.

Apart from `services` so that listing reviews imports neither bookings nor the tours' read model (the
page needs only reviews, their authors and whether the tour is public).
"""
from __future__ import annotations

import uuid
from typing import Any

from pydantic import AwareDatetime
from sqlalchemy import select, tuple_

from shared.core import readcache
from shared.core.schemas import Page, decode_cursor, encode_cursor
from shared.core.uow import UnitOfWork
from shared.reviews import schemas
from shared.reviews.models import Review
from shared.tours import cards
from shared.users.models import User

ANONYMOUS = "Deleted user"
REVIEWS_ORDER = "reviews:-created_at"


async def list_reviews(uow: UnitOfWork, *, tour_id: uuid.UUID, query: schemas.ReviewsQuery) -> schemas.ReviewPage:
    """A published tour's reviews, newest first; cached until a review of the tour changes."""
    await cards.require_public(uow, tour_id)

    async def build() -> dict[str, Any]:
        return (await _page(uow, tour_id, query)).model_dump(mode="json")

    page = await readcache.page([version_key(tour_id)], f"reviews:{tour_id}", f"{query.limit}:{query.cursor or ''}",
                                build)
    return schemas.ReviewPage.model_validate(page.body)


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
