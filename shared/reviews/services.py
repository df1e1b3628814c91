"""Reviews: written by travellers of a completed trip, one per tour; the tour's rating stays exact."""
from __future__ import annotations

import uuid

from sqlalchemy import Numeric, String, Uuid, case, column, func, select, table, update
from sqlalchemy.exc import IntegrityError

from shared.core import readcache
from shared.core.errors import ForbiddenError, NotFoundError
from shared.core.uow import UnitOfWork
from shared.reviews import readmodel, schemas
from shared.reviews.errors import AlreadyReviewedError, ReviewNotAllowedError
from shared.reviews.models import Review
from shared.tours import cards
from shared.tours import tourcard
from shared.tours.models import Tour
from shared.users.models import User

# The one question reviews ask of bookings, as a table clause of the columns it reads: creating or deleting a
# review does not build the booking model (and what it refers to) at import for it.
_BOOKINGS = table("booking", column("user_id", Uuid), column("tour_id", Uuid), column("status", String))


async def create_review(uow: UnitOfWork, *, user: User, tour_id: uuid.UUID, data: schemas.ReviewCreate) -> Review:
    """Review a tour the caller travelled on (a completed booking); one review per user and tour."""
    await cards.require_public(uow, tour_id)
    travelled = await uow.session.scalar(select(
        select(_BOOKINGS).where(_BOOKINGS.c.user_id == user.id, _BOOKINGS.c.tour_id == tour_id,
                                _BOOKINGS.c.status == "completed").exists()
    ))
    if not travelled:
        raise ReviewNotAllowedError("Reviews are for travellers whose trip on this tour is completed")
    review = Review(tour_id=tour_id, user_id=user.id, rating=data.rating, text=data.text)
    uow.session.add(review)
    try:
        await uow.session.flush()
    except IntegrityError:
        await uow.rollback()
        raise AlreadyReviewedError("You have already reviewed this tour") from None
    await _count(uow, tour_id, rating=data.rating, delta=1)
    _changing(uow, tour_id)
    await uow.commit()
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
    _changing(uow, review.tour_id)
    await uow.commit()


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


def _changing(uow: UnitOfWork, tour_id: uuid.UUID) -> None:
    readcache.changed(uow, versions=[readmodel.version_key(tour_id)])
    tourcard.changing(uow, tour_id)  # rating and reviews_count are on the tour
