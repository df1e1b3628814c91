"""Reviews: written by travellers of a completed trip, one per tour; the tour's rating stays exact."""
from __future__ import annotations

import time
import uuid

from pydantic import AwareDatetime
from sqlalchemy import Numeric, case, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from shared.bookings.models import Booking
from shared.core.cache import get_cache
from shared.core.errors import ForbiddenError, NotFoundError
from shared.core.schemas import Page, decode_cursor, encode_cursor
from shared.core.uow import UnitOfWork
from shared.reviews import schemas
from shared.reviews.errors import AlreadyReviewedError, ReviewNotAllowedError
from shared.reviews.models import Review
from shared.tours import readmodel
from shared.tours import services as tour_services
from shared.tours.models import Tour
from shared.users.models import User

PAGE_TTL = 300
ANONYMOUS = "Deleted user"
REVIEWS_ORDER = "reviews:-created_at"


async def list_reviews(uow: UnitOfWork, *, tour_id: uuid.UUID, query: schemas.ReviewsQuery) -> schemas.ReviewPage:
    """A published tour's reviews, newest first; cached until a review of the tour changes."""
    await tour_services.get_tour(uow, tour_id=tour_id, is_admin=False)
    cache = get_cache()
    version = await _version(tour_id)
    key = f"reviews:{tour_id}:{version}:{query.limit}:{query.cursor or ''}"

    async def build() -> bytes:
        page = await _page(uow, tour_id, query)
        return page.model_dump_json().encode()

    return schemas.ReviewPage.model_validate_json(await cache.get_or_build(key, PAGE_TTL, build))


async def create_review(uow: UnitOfWork, *, user: User, tour_id: uuid.UUID, data: schemas.ReviewCreate) -> Review:
    """Review a tour the caller travelled on (a completed booking); one review per user and tour."""
    await tour_services.get_tour(uow, tour_id=tour_id, is_admin=False)
    travelled = await uow.session.scalar(
        select(Booking.id).where(Booking.user_id == user.id, Booking.tour_id == tour_id,
                                 Booking.status == "completed").limit(1)
    )
    if travelled is None:
        raise ReviewNotAllowedError("Reviews are for travellers whose trip on this tour is completed")
    review = Review(tour_id=tour_id, user_id=user.id, rating=data.rating, text=data.text)
    uow.session.add(review)
    try:
        await uow.session.flush()
    except IntegrityError:
        await uow.rollback()
        raise AlreadyReviewedError("You have already reviewed this tour") from None
    await _count(uow, tour_id, rating=data.rating, delta=1)
    await uow.commit()
    await _changed(uow, tour_id)
    return review


async def delete_review(uow: UnitOfWork, *, caller: User, review_id: uuid.UUID) -> None:
    """Remove a review: its author or an admin."""
    review = await uow.session.scalar(select(Review).where(Review.id == review_id).with_for_update())
    if review is None:
        raise NotFoundError("No such review")
    if review.user_id != caller.id and caller.role != "admin":
        raise ForbiddenError("Only the author or an admin may delete a review")
    await uow.session.delete(review)
    await _count(uow, review.tour_id, rating=review.rating, delta=-1)
    await uow.commit()
    await _changed(uow, review.tour_id)


def review_out(review: Review, author: User | None) -> schemas.ReviewOut:
    name = (author.full_name if author is not None and author.deleted_at is None else None) or ANONYMOUS
    return schemas.ReviewOut(id=review.id, tour_id=review.tour_id, user_id=review.user_id, author_name=name,
                             rating=review.rating, text=review.text, created_at=review.created_at)


async def _count(uow: UnitOfWork, tour_id: uuid.UUID, *, rating: int, delta: int) -> None:
    # One UPDATE: the row lock orders concurrent reviews, and SET sees the old values.
    count = Tour.reviews_count + delta
    total = Tour.rating_sum + rating * delta
    await uow.session.execute(
        update(Tour).where(Tour.id == tour_id).values(
            reviews_count=count, rating_sum=total,
            rating=case((count > 0, func.round(total.cast(Numeric) / count, 2)), else_=None),
        )
    )


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
    key = f"reviews:version:{tour_id}"
    value = await cache.get(key)
    if value is None:
        await cache.add(key, str(time.time_ns()).encode(), _VERSION_TTL)
        value = await cache.get(key)
    return value.decode() if value is not None else "uncached"


async def _changed(uow: UnitOfWork, tour_id: uuid.UUID) -> None:
    await get_cache().set(f"reviews:version:{tour_id}", str(time.time_ns()).encode(), _VERSION_TTL)
    await readmodel.tour_changed(uow, tour_id)  # rating and reviews_count are on the tour


_VERSION_TTL = 7 * 24 * 3600
