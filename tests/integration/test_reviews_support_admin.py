"""Reviews, support tickets, avatars and account administration against the real services."""
from __future__ import annotations

import asyncio
import base64
import itertools
import os
import uuid

import httpx
import pytest
from sqlalchemy import select, update

from shared.bookings.models import Booking
from shared.core import errors, tokens
from shared.core.db import dispose_all
from shared.core.outbox import OutboxEvent
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.reviews import readmodel as review_pages, services as reviews
from shared.reviews.errors import AlreadyReviewedError, ReviewNotAllowedError
from shared.reviews.schemas import ReviewCreate, ReviewsQuery
from shared.support import services as support
from shared.support.schemas import TicketCreate, TicketUpdate
from shared.tours import services as tours
from shared.users import access, services as users
from shared.users.errors import AccountDisabledError, LastAdminError
from shared.users.models import User
from shared.users.schemas import AdminUsersQuery, AdminUserUpdate
from tests.support.builders import DEFAULT_PASSWORD, make_booking, make_departure, make_tour, make_user

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

_DAYS = itertools.count(2)  # a departure date of its own for every traveller


async def _traveller(uow: UnitOfWork, tour_id: uuid.UUID) -> User:
    """A user with a completed trip on the tour."""
    user = await make_user(uow)
    departure = await make_departure(uow, tour_id, days_ahead=next(_DAYS))
    booking = await make_booking(uow, user, departure.id)
    await uow.session.execute(update(Booking).where(Booking.id == booking.id).values(status="completed"))
    await uow.commit()
    return user


async def test_only_travellers_of_a_completed_trip_review_once(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    stranger, traveller = await make_user(uow), await _traveller(uow, tour.id)
    with pytest.raises(ReviewNotAllowedError):
        await reviews.create_review(uow, user=stranger, tour_id=tour.id, data=ReviewCreate(rating=5, text="Great"))
    review = await reviews.create_review(uow, user=traveller, tour_id=tour.id,
                                         data=ReviewCreate(rating=4, text="Lovely"))
    with pytest.raises(AlreadyReviewedError):
        await reviews.create_review(uow, user=traveller, tour_id=tour.id, data=ReviewCreate(rating=1, text="Again"))
    page = await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())
    assert [(r.id, r.author_name, r.rating) for r in page.items] == [(review.id, "Test User", 4)]


async def test_rating_and_count_stay_exact_through_creates_and_deletes(uow: UnitOfWork) -> None:
    tour = await make_tour(uow)
    admin = await make_user(uow, role="admin")
    made = []
    for rating in (5, 4, 2):
        author = await _traveller(uow, tour.id)
        data = ReviewCreate(rating=rating, text="x")
        review = await reviews.create_review(uow, user=author, tour_id=tour.id, data=data)
        made.append((author, review))
    shown = await tours.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert (shown.rating, shown.reviews_count) == (3.67, 3)
    with pytest.raises(errors.ForbiddenError):
        await reviews.delete_review(uow, caller=made[1][0], review_id=made[0][1].id)
    await reviews.delete_review(uow, caller=made[0][0], review_id=made[0][1].id)
    await reviews.delete_review(uow, caller=admin, review_id=made[1][1].id)
    shown = await tours.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert (shown.rating, shown.reviews_count) == (2.0, 1)
    page = await review_pages.list_reviews(uow, tour_id=tour.id, query=ReviewsQuery())
    assert [r.rating for r in page.items] == [2]
    await reviews.delete_review(uow, caller=admin, review_id=made[2][1].id)
    shown = await tours.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert (shown.rating, shown.reviews_count) == (None, 0)


async def test_concurrent_reviews_by_one_user_give_one_201_and_one_409(database_url: str) -> None:
    os.environ["DB_POOL_SIZE"] = "4"
    reset_settings()

    async def race() -> tuple[list[str], float | None, int]:
        try:
            async with UnitOfWork() as uow:
                tour = await make_tour(uow)
                user = await _traveller(uow, tour.id)

            async def review(rating: int) -> str:
                async with UnitOfWork() as uow:
                    author = await uow.session.get_one(User, user.id)
                    try:
                        await reviews.create_review(uow, user=author, tour_id=tour.id,
                                                    data=ReviewCreate(rating=rating, text="race"))
                        return "201"
                    except AlreadyReviewedError:
                        return "409"

            outcomes = sorted(await asyncio.gather(review(5), review(3)))
            async with UnitOfWork() as uow:
                shown = await tours.get_tour(uow, tour_id=tour.id, is_admin=True)
            return outcomes, shown.rating, shown.reviews_count
        finally:
            await dispose_all()

    outcomes, rating, count = await asyncio.to_thread(asyncio.run, race())
    assert outcomes == ["201", "409"] and count == 1 and rating in (5.0, 3.0)


async def test_tickets_move_only_along_their_lifecycle_and_notify_the_user(uow: UnitOfWork) -> None:
    user, other = await make_user(uow), await make_user(uow)
    booking = await make_booking(uow, user, (await make_departure(uow, (await make_tour(uow)).id)).id)
    with pytest.raises(errors.NotFoundError):
        await support.open_ticket(uow, user=other, data=TicketCreate(subject="Not mine", message="?",
                                                                     booking_id=booking.id))
    ticket = await support.open_ticket(uow, user=user, data=TicketCreate(subject="Seats", message="Help",
                                                                         booking_id=booking.id))
    assert ticket.status == "open"
    for illegal in ("resolved", "open"):
        with pytest.raises(errors.InvalidStateError):
            await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status=illegal))
    await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status="in_progress", reply="On it"))
    await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status="resolved"))
    done = await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status="closed"))
    assert (done.status, done.reply) == ("closed", "On it")
    with pytest.raises(errors.InvalidStateError):
        await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(reply="More"))
    events = list(await uow.session.scalars(select(OutboxEvent.type).where(OutboxEvent.aggregate_id == ticket.id)))
    assert events == ["ticket.updated"] * 3
    mine = await support.list_tickets(uow, limit=10, cursor=None, user_id=user.id)
    assert [t.id for t in mine.items] == [ticket.id]
    assert (await support.list_tickets(uow, limit=10, cursor=None, user_id=other.id)).items == []
    closed = await support.list_tickets(uow, limit=100, cursor=None, status="closed")
    assert ticket.id in [t.id for t in closed.items]


async def test_deactivation_ends_live_sessions_and_blocks_login(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    issued = await users.log_in(uow, email=user.email, password=DEFAULT_PASSWORD, ip="10.0.0.1", user_agent="t")
    await users.update_user(uow, user_id=user.id, data=AdminUserUpdate(is_active=False))
    with pytest.raises(errors.UnauthorizedError):
        await access.load_caller(uow, tokens.read_access_token(issued.access_token))
    with pytest.raises(AccountDisabledError):
        await users.log_in(uow, email=user.email, password=DEFAULT_PASSWORD, ip="10.0.0.1", user_agent="t")
    with pytest.raises(errors.InvalidCredentialsError):
        await users.log_in(uow, email=user.email, password="wrong password", ip="10.0.0.1", user_agent="t")


async def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(uow: UnitOfWork) -> None:
    await uow.session.execute(update(User).where(User.role == "admin").values(is_active=False))
    admin = await make_user(uow, role="admin")
    for change in (AdminUserUpdate(role="user"), AdminUserUpdate(is_active=False)):
        with pytest.raises(LastAdminError):
            await users.update_user(uow, user_id=admin.id, data=change)
    second = await make_user(uow, role="admin")
    demoted = await users.update_user(uow, user_id=admin.id, data=AdminUserUpdate(role="user"))
    assert demoted.role == "user"
    with pytest.raises(LastAdminError):
        await users.update_user(uow, user_id=second.id, data=AdminUserUpdate(is_active=False))


async def test_admins_find_accounts_by_words_role_and_activity(uow: UnitOfWork) -> None:
    marker = uuid.uuid4().hex[:8]
    alice = await make_user(uow, email=f"alice-{marker}@example.com", full_name="Alice Liddell")
    bob = await make_user(uow, email=f"bob-{marker}@example.com", role="admin")
    await users.update_user(uow, user_id=alice.id, data=AdminUserUpdate(is_active=False))
    found = await users.list_users(uow, query=AdminUsersQuery(q=marker))
    assert [u.id for u in found.items] == [bob.id, alice.id]
    assert [u.id for u in (await users.list_users(uow, query=AdminUsersQuery(q=marker, role="admin"))).items] == [
        bob.id]
    assert [u.id for u in (await users.list_users(uow, query=AdminUsersQuery(q=marker, is_active=False))).items] == [
        alice.id]
    first = await users.list_users(uow, query=AdminUsersQuery(q=marker, limit=1))
    second = await users.list_users(uow, query=AdminUsersQuery(q=marker, limit=1, cursor=first.next_cursor))
    assert [u.id for u in first.items + second.items] == [bob.id, alice.id] and second.next_cursor is None


async def test_an_avatar_goes_through_s3_and_shows_on_the_account(uow: UnitOfWork, aws: str) -> None:
    user = await make_user(uow)
    started = await users.request_avatar_upload(user, content_type="image/png")
    fields = dict(started.upload.fields)
    posted = httpx.post(started.upload.url, data=fields, files={"file": ("a.png", PNG)}, timeout=10)
    assert posted.status_code in (200, 201, 204)
    shown = await users.confirm_avatar(uow, user=user, key=started.key)
    assert shown.avatar_url is not None and started.key in shown.avatar_url
    assert httpx.get(shown.avatar_url, timeout=10).content == PNG
    other = await make_user(uow)
    with pytest.raises(errors.InvalidUploadError):
        await users.confirm_avatar(uow, user=other, key=started.key)  # someone else's upload
    fake = await users.request_avatar_upload(user, content_type="image/png")
    httpx.post(fake.upload.url, data=dict(fake.upload.fields), files={"file": ("a.png", b"GIF? no: text")},
               timeout=10)
    with pytest.raises(errors.InvalidUploadError):
        await users.confirm_avatar(uow, user=user, key=fake.key)
