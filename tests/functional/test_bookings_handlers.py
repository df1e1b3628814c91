"""The booking endpoints as Lambda calls them: transitions, refusals, who sees what, idempotent retries."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, update

from functions.admin import check_in, list_all_bookings
from functions.auth import get_me, log_in, log_out
from functions.bookings import cancel_booking, create_booking, get_booking, get_ticket, list_bookings, pay_booking
from functions.tours import create_departure, create_tour, list_departures, update_departure
from shared.bookings import jobs
from shared.bookings.models import Booking
from shared.core.uow import UnitOfWork
from shared.users.models import User
from tests.support.accounts import create_account, token_for
from tests.support.builders import DEFAULT_PASSWORD, unique_email
from tests.support.invoke import Reply, invoke, run_in_environment

TOUR = {"title": "Booking Handler Tour", "description": "Made by a booking test.", "country": "Testonia",
        "city": "Testville", "duration_days": 3, "price_cents": 45_000, "currency": "EUR", "is_published": True}
BOOKING_ROUTE = "/v1/bookings/{booking_id}"


@dataclass(frozen=True)
class Caller:
    token: str
    id: str


def _caller(role: str) -> Caller:
    token = token_for(role)
    me = invoke(get_me.handler, "GET", "/v1/auth/me", token=token)
    assert me.status == 200, me.body
    return Caller(token, me.json()["id"])


@pytest.fixture(scope="module")
def admin() -> Caller:
    return _caller("admin")


@pytest.fixture(scope="module")
def user() -> Caller:
    return _caller("user")


@pytest.fixture(scope="module")
def other() -> Caller:
    return _caller("user")


def _departure(admin: Caller, *, capacity: int = 10, days: int = 30) -> dict[str, Any]:
    """A published tour of its own with one departure, made through the catalogue handlers."""
    tour = invoke(create_tour.handler, "POST", "/v1/tours", token=admin.token,
                  json_body=TOUR | {"title": f"Booking Tour {uuid.uuid4().hex[:8]}"})
    assert tour.status == 201, tour.body
    starts_on = (dt.date.today() + dt.timedelta(days=days)).isoformat()
    departure = invoke(create_departure.handler, "POST", "/v1/tours/{tour_id}/departures",
                       path={"tour_id": tour.json()["id"]}, token=admin.token,
                       json_body={"starts_on": starts_on, "capacity": capacity})
    assert departure.status == 201, departure.body
    return dict(departure.json())


@pytest.fixture
def departure(admin: Caller) -> dict[str, Any]:
    return _departure(admin)


def _book(caller: Caller, departure_id: str, seats: int = 1, *, key: str | None = None, **fields: Any) -> Reply:
    return invoke(create_booking.handler, "POST", "/v1/bookings", token=caller.token,
                  headers={"idempotency-key": key} if key is not None else None,
                  json_body={"departure_id": departure_id, "seats": seats, **fields})


def _booked(caller: Caller, departure_id: str, seats: int = 1) -> dict[str, Any]:
    reply = _book(caller, departure_id, seats)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def _pay(caller: Caller, booking_id: str, payment_token: str = "tok_ok", *, key: str | None = None) -> Reply:
    return invoke(pay_booking.handler, "POST", BOOKING_ROUTE + "/pay", path={"booking_id": booking_id},
                  token=caller.token, json_body={"payment_token": payment_token},
                  headers={"idempotency-key": key} if key is not None else None)


def _cancel(caller: Caller, booking_id: str) -> Reply:
    return invoke(cancel_booking.handler, "POST", BOOKING_ROUTE + "/cancel", path={"booking_id": booking_id},
                  token=caller.token)


def _ticket(caller: Caller, booking_id: str) -> Reply:
    return invoke(get_ticket.handler, "GET", BOOKING_ROUTE + "/ticket", path={"booking_id": booking_id},
                  token=caller.token)


def _get(caller: Caller, booking_id: str) -> Reply:
    return invoke(get_booking.handler, "GET", BOOKING_ROUTE, path={"booking_id": booking_id}, token=caller.token)


def _admin_list(caller: Caller | None, query: dict[str, str]) -> Reply:
    return invoke(list_all_bookings.handler, "GET", "/v1/admin/bookings", query=query,
                  token=caller.token if caller else None)


def _seats_left(departure: dict[str, Any]) -> int:
    listed = invoke(list_departures.handler, "GET", "/v1/tours/{tour_id}/departures",
                    path={"tour_id": departure["tour_id"]})
    assert listed.status == 200, listed.body
    [shown] = [item for item in listed.json()["items"] if item["id"] == departure["id"]]
    return int(shown["seats_left"])


def _problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def _status(caller: Caller, booking_id: str) -> str:
    reply = _get(caller, booking_id)
    assert reply.status == 200, reply.body
    return str(reply.json()["status"])


def _bookings_in_db(departure_id: str) -> int:
    async def count() -> int:
        async with UnitOfWork() as uow:
            found = await uow.session.scalar(
                select(func.count()).select_from(Booking).where(Booking.departure_id == uuid.UUID(departure_id)))
            return int(found or 0)

    return run_in_environment(count())


def _expire(booking_id: str) -> None:
    """The hold passes and the expiry job runs, as the scheduler would run it."""
    async def expire() -> None:
        async with UnitOfWork() as uow:
            await uow.session.execute(update(Booking).where(Booking.id == uuid.UUID(booking_id)).values(
                expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
            await uow.commit()
            await jobs.expire_pending(uow)

    run_in_environment(expire())


def _complete(booking_id: str) -> None:
    """The trip ends and the completion job runs."""
    async def complete() -> None:
        async with UnitOfWork() as uow:
            await uow.session.execute(update(Booking).where(Booking.id == uuid.UUID(booking_id)).values(
                ends_on=dt.date.today() - dt.timedelta(days=1)))
            await uow.commit()
            await jobs.complete_finished(uow)

    run_in_environment(complete())


# -- the lifecycle --------------------------------------------------------------------------------------------


def test_book_pay_ticket_and_check_in(user: Caller, admin: Caller, departure: dict[str, Any]) -> None:
    created = _book(user, departure["id"], 2, travellers=["Ann", "Bob"], note="aisle")
    assert created.status == 201, created.body
    booking = created.json()
    assert (booking["status"], booking["seats"], booking["total_cents"], booking["user_id"]) == (
        "pending", 2, 90_000, user.id)
    assert booking["expires_at"] and booking["checked_in_at"] is None
    assert _seats_left(departure) == 8

    paid = _pay(user, booking["id"])
    assert paid.status == 200 and paid.json()["status"] == "confirmed" and paid.json()["expires_at"] is None
    ticket = _ticket(user, booking["id"])
    assert ticket.status == 200 and ticket.json()["qr_svg"].startswith("<svg")
    checked = invoke(check_in.handler, "POST", "/v1/admin/check-ins", token=admin.token,
                     json_body={"code": ticket.json()["code"]})
    assert checked.status == 200 and checked.json()["checked_in_at"]
    again = invoke(check_in.handler, "POST", "/v1/admin/check-ins", token=admin.token,
                   json_body={"code": ticket.json()["code"]})
    _problem(again, 409, "already_checked_in")
    _problem(_cancel(user, booking["id"]), 409, "invalid_state")  # checked in: the owner can no longer cancel


def test_paying_a_booking_that_is_not_pending_is_invalid_state(user: Caller, departure: dict[str, Any]) -> None:
    confirmed, cancelled, expired = (_booked(user, departure["id"]) for _ in range(3))
    assert _pay(user, confirmed["id"]).status == 200
    assert _cancel(user, cancelled["id"]).status == 200
    _expire(expired["id"])
    assert _status(user, expired["id"]) == "expired"

    for booking in (confirmed, cancelled, expired):
        _problem(_pay(user, booking["id"]), 409, "invalid_state")
    assert [_status(user, b["id"]) for b in (confirmed, cancelled, expired)] == ["confirmed", "cancelled", "expired"]


def test_cancelling_a_finished_booking_is_invalid_state(user: Caller, departure: dict[str, Any]) -> None:
    cancelled, expired, completed = (_booked(user, departure["id"]) for _ in range(3))
    assert _cancel(user, cancelled["id"]).status == 200
    _expire(expired["id"])
    assert _pay(user, completed["id"]).status == 200
    _complete(completed["id"])
    assert _status(user, completed["id"]) == "completed"

    for booking in (cancelled, expired, completed):
        _problem(_cancel(user, booking["id"]), 409, "invalid_state")
    assert _seats_left(departure) == 10


def test_only_a_confirmed_booking_has_a_ticket(user: Caller, departure: dict[str, Any]) -> None:
    pending, cancelled = _booked(user, departure["id"]), _booked(user, departure["id"])
    assert _cancel(user, cancelled["id"]).status == 200

    for booking in (pending, cancelled):
        _problem(_ticket(user, booking["id"]), 409, "invalid_state")


def test_a_declined_payment_is_402_and_the_booking_stays_pending(user: Caller, departure: dict[str, Any]) -> None:
    booking = _booked(user, departure["id"], 3)

    declined = _pay(user, booking["id"], "tok_declined")

    _problem(declined, 402, "payment_declined")
    assert _status(user, booking["id"]) == "pending" and _seats_left(departure) == 7
    assert _pay(user, booking["id"]).json()["status"] == "confirmed"


def test_cancelling_gives_the_seats_back(user: Caller, departure: dict[str, Any]) -> None:
    booking = _booked(user, departure["id"], 4)
    assert _seats_left(departure) == 6

    cancelled = _cancel(user, booking["id"])

    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    assert _seats_left(departure) == 10


# -- refusals ------------------------------------------------------------------------------------------------


def test_sold_out_says_how_many_seats_are_left(user: Caller, admin: Caller) -> None:
    departure = _departure(admin, capacity=3)
    _booked(user, departure["id"], 2)

    refused = _book(user, departure["id"], 2)

    assert _problem(refused, 409, "sold_out")["seats_left"] == 1
    assert _seats_left(departure) == 1 and _bookings_in_db(departure["id"]) == 1


def test_a_closed_departure_takes_no_bookings(user: Caller, admin: Caller, departure: dict[str, Any]) -> None:
    closed = invoke(update_departure.handler, "PATCH", "/v1/departures/{departure_id}",
                    path={"departure_id": departure["id"]}, token=admin.token, json_body={"status": "closed"})
    assert closed.status == 200

    _problem(_book(user, departure["id"]), 409, "departure_closed")
    assert _bookings_in_db(departure["id"]) == 0


def test_an_unknown_departure_is_404(user: Caller) -> None:
    _problem(_book(user, str(uuid.uuid4())), 404, "not_found")


@pytest.mark.parametrize(("fields", "loc"), [
    ({"seats": 0}, ["body", "seats"]),
    ({"seats": 11}, ["body", "seats"]),
    ({"seats": 1, "travellers": ["Ann", "Bob"]}, ["body"]),
    ({"seats": 1, "note": "x" * 1001}, ["body", "note"]),
    ({"seats": 1, "price_cents": 1}, ["body", "price_cents"]),
])
def test_invalid_bookings_are_422(user: Caller, departure: dict[str, Any], fields: dict[str, Any],
                                  loc: list[str]) -> None:
    reply = invoke(create_booking.handler, "POST", "/v1/bookings", token=user.token,
                   json_body={"departure_id": departure["id"], **fields})

    errors = _problem(reply, 422, "validation_error")["errors"]
    assert [error["loc"] for error in errors] == [loc]
    assert _bookings_in_db(departure["id"]) == 0


def test_a_note_of_exactly_1000_characters_and_ten_seats_are_accepted(user: Caller, departure: dict[str, Any]) -> None:
    reply = _book(user, departure["id"], 10, note="x" * 1000, travellers=[f"T{n}" for n in range(10)])
    assert reply.status == 201, reply.body


# -- who sees what -------------------------------------------------------------------------------------------


def test_another_users_booking_is_404_never_403(user: Caller, other: Caller, departure: dict[str, Any]) -> None:
    pending, confirmed = _booked(user, departure["id"]), _booked(user, departure["id"])
    assert _pay(user, confirmed["id"]).status == 200

    for booking in (pending, confirmed):
        _problem(_get(other, booking["id"]), 404, "not_found")
        _problem(_pay(other, booking["id"]), 404, "not_found")
        _problem(_pay(other, booking["id"], key=f"idor-{uuid.uuid4()}"), 404, "not_found")
        _problem(_cancel(other, booking["id"]), 404, "not_found")
        _problem(_ticket(other, booking["id"]), 404, "not_found")
    # Nothing changed for the owner, and the unknown id looks exactly the same.
    assert [_status(user, b["id"]) for b in (pending, confirmed)] == ["pending", "confirmed"]
    _problem(_get(other, str(uuid.uuid4())), 404, "not_found")


def test_a_list_shows_only_the_callers_bookings(user: Caller, other: Caller, departure: dict[str, Any]) -> None:
    mine = _booked(user, departure["id"])
    theirs = _booked(other, departure["id"])

    listed = invoke(list_bookings.handler, "GET", "/v1/bookings", token=user.token, query={"limit": "100"})
    pending = invoke(list_bookings.handler, "GET", "/v1/bookings", token=other.token,
                     query={"status": "pending", "limit": "100"})

    assert listed.status == 200 and {b["user_id"] for b in listed.json()["items"]} == {user.id}
    ids = [b["id"] for b in listed.json()["items"]]
    assert mine["id"] in ids and theirs["id"] not in ids
    assert {(b["user_id"], b["status"]) for b in pending.json()["items"]} == {(other.id, "pending")}
    assert mine["id"] not in [b["id"] for b in pending.json()["items"]]


def test_admins_see_every_booking_with_each_filter(
    user: Caller, other: Caller, admin: Caller, departure: dict[str, Any]
) -> None:
    mine, theirs = _booked(user, departure["id"]), _booked(other, departure["id"])
    assert _pay(other, theirs["id"]).status == 200
    elsewhere = _booked(user, _departure(admin)["id"])

    def ids(query: dict[str, str]) -> list[str]:
        reply = _admin_list(admin, {"limit": "100", **query})
        assert reply.status == 200, reply.body
        return [booking["id"] for booking in reply.json()["items"]]

    assert ids({"departure_id": departure["id"]}) == [theirs["id"], mine["id"]]  # newest first
    assert ids({"tour_id": departure["tour_id"]}) == [theirs["id"], mine["id"]]
    assert ids({"departure_id": departure["id"], "status": "confirmed"}) == [theirs["id"]]
    assert ids({"departure_id": departure["id"], "user_id": user.id}) == [mine["id"]]
    assert set(ids({"user_id": user.id})) >= {mine["id"], elsewhere["id"]}
    assert theirs["id"] not in ids({"user_id": user.id})
    confirmed = _admin_list(admin, {"status": "confirmed", "limit": "100"}).json()["items"]
    assert theirs["id"] in [b["id"] for b in confirmed] and {b["status"] for b in confirmed} == {"confirmed"}
    shown = invoke(get_booking.handler, "GET", BOOKING_ROUTE, path={"booking_id": mine["id"]}, token=admin.token)
    assert shown.status == 200 and shown.json()["user_id"] == user.id


def test_an_admin_may_cancel_anyones_booking(user: Caller, admin: Caller, departure: dict[str, Any]) -> None:
    pending, confirmed = _booked(user, departure["id"], 2), _booked(user, departure["id"], 3)
    assert _pay(user, confirmed["id"]).status == 200

    replies = [_cancel(admin, booking["id"]) for booking in (pending, confirmed)]

    assert [(reply.status, reply.json()["status"]) for reply in replies] == [(200, "cancelled")] * 2
    assert _seats_left(departure) == 10
    _problem(_pay(admin, _booked(user, departure["id"])["id"]), 404, "not_found")  # paying is the owner's


def test_a_user_cannot_list_someone_elses_bookings_by_asking(user: Caller, other: Caller,
                                                             departure: dict[str, Any]) -> None:
    _booked(other, departure["id"])

    asked = invoke(list_bookings.handler, "GET", "/v1/bookings", token=user.token, query={"user_id": other.id})

    assert asked.status == 422 or {b["user_id"] for b in asked.json()["items"]} <= {user.id}


def test_admins_page_through_bookings_with_a_cursor(user: Caller, admin: Caller, departure: dict[str, Any]) -> None:
    made = [_booked(user, departure["id"])["id"] for _ in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"departure_id": departure["id"], "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = _admin_list(admin, query).json()
        seen += [booking["id"] for booking in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == made[::-1]
    _problem(_admin_list(admin, {"cursor": "not-a-cursor"}), 400, "bad_request")


def test_admin_routes_are_403_for_users_and_401_for_anonymous(user: Caller) -> None:
    _problem(_admin_list(user, {}), 403, "forbidden")
    _problem(_admin_list(None, {}), 401, "unauthorized")
    for caller in (user, None):
        reply = invoke(check_in.handler, "POST", "/v1/admin/check-ins", json_body={"code": "whatever"},
                       token=caller.token if caller else None)
        assert reply.status == (403 if caller else 401)


def test_the_booking_endpoints_are_401_without_a_token(departure: dict[str, Any]) -> None:
    booking = {"booking_id": str(uuid.uuid4())}
    replies = [
        invoke(create_booking.handler, "POST", "/v1/bookings", json_body={"departure_id": departure["id"], "seats": 1}),
        invoke(list_bookings.handler, "GET", "/v1/bookings"),
        invoke(get_booking.handler, "GET", BOOKING_ROUTE, path=booking),
        invoke(pay_booking.handler, "POST", BOOKING_ROUTE + "/pay", path=booking, json_body={"payment_token": "x"}),
        invoke(cancel_booking.handler, "POST", BOOKING_ROUTE + "/cancel", path=booking),
        invoke(get_ticket.handler, "GET", BOOKING_ROUTE + "/ticket", path=booking),
    ]
    for reply in replies:
        _problem(reply, 401, "unauthorized")
    assert _bookings_in_db(departure["id"]) == 0


# The booking statement checks the caller itself (users.access.signed_in_by_write): a revoked token or an inactive
# account books nothing, and is told so before any refusal of the departure's.


def _signed_out(caller: Caller) -> None:
    assert invoke(log_out.handler, "POST", "/v1/auth/logout", token=caller.token).status == 204


def _deactivated(caller: Caller) -> None:
    async def deactivate() -> None:
        async with UnitOfWork() as uow:
            await uow.session.execute(update(User).where(User.id == uuid.UUID(caller.id)).values(is_active=False))
            await uow.commit()

    run_in_environment(deactivate())


@pytest.mark.parametrize("lose_access", [_signed_out, _deactivated])
def test_a_revoked_token_or_an_inactive_account_books_nothing(admin: Caller, lose_access: Callable[[Caller], None]
                                                              ) -> None:
    caller, departure, full = _caller("user"), _departure(admin, capacity=5), _departure(admin, capacity=1)
    _booked(caller, departure["id"])  # the departure's offer is remembered: the next booking reads nothing first
    _booked(caller, full["id"])
    lose_access(caller)

    _problem(_book(caller, departure["id"]), 401, "unauthorized")
    _problem(_book(caller, full["id"]), 401, "unauthorized")  # not 409: who is asking comes first
    _problem(_book(caller, str(uuid.uuid4())), 401, "unauthorized")  # nor 404
    assert _seats_left(departure) == 4 and _bookings_in_db(departure["id"]) == 1
    assert _seats_left(full) == 0 and _bookings_in_db(full["id"]) == 1


def test_a_revoked_token_with_a_key_is_refused_and_the_key_stays_free(departure: dict[str, Any]) -> None:
    email, key = unique_email("user"), _key()
    create_account(email)
    revoked, kept = (_logged_in(email) for _ in range(2))  # two sign-ins: two token families
    _signed_out(revoked)

    _problem(_book(revoked, departure["id"], key=key), 401, "unauthorized")

    booked = _book(kept, departure["id"], key=key)  # the key was never claimed: it books, no 401 replayed
    assert booked.status == 201, booked.body
    assert _bookings_in_db(departure["id"]) == 1


def _logged_in(email: str) -> Caller:
    reply = invoke(log_in.handler, "POST", "/v1/auth/login", json_body={"email": email, "password": DEFAULT_PASSWORD})
    assert reply.status == 200, reply.body
    token = str(reply.json()["access_token"])
    return Caller(token, invoke(get_me.handler, "GET", "/v1/auth/me", token=token).json()["id"])


# -- idempotency ---------------------------------------------------------------------------------------------


def _key() -> str:
    return f"key-{uuid.uuid4()}"


def test_a_retry_with_the_same_key_replays_the_booking(user: Caller, departure: dict[str, Any]) -> None:
    key = _key()
    first = _book(user, departure["id"], 2, key=key, note="first")

    again = _book(user, departure["id"], 2, key=key, note="first")

    assert first.status == 201 and "idempotent-replayed" not in first.headers
    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/json"
    assert _bookings_in_db(departure["id"]) == 1 and _seats_left(departure) == 8


def test_the_same_key_with_another_body_is_refused(user: Caller, departure: dict[str, Any]) -> None:
    key = _key()
    assert _book(user, departure["id"], 1, key=key).status == 201

    reused = _book(user, departure["id"], 2, key=key)

    _problem(reused, 422, "idempotency_key_reused")
    assert _bookings_in_db(departure["id"]) == 1


def test_a_sold_out_refusal_is_replayed_even_after_seats_free_up(user: Caller, other: Caller,
                                                                 admin: Caller) -> None:
    departure = _departure(admin, capacity=2)
    holder = _booked(other, departure["id"], 2)
    key = _key()
    refused = _book(user, departure["id"], 1, key=key)
    _problem(refused, 409, "sold_out")
    assert _cancel(other, holder["id"]).status == 200 and _seats_left(departure) == 2

    replayed = _book(user, departure["id"], 1, key=key)
    fresh = _book(user, departure["id"], 1, key=_key())

    assert (replayed.status, replayed.body) == (409, refused.body)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.headers["content-type"] == "application/problem+json"
    assert fresh.status == 201 and _seats_left(departure) == 1


def test_a_declined_payment_is_replayed(user: Caller, departure: dict[str, Any]) -> None:
    booking = _booked(user, departure["id"])
    key = _key()
    declined = _pay(user, booking["id"], "tok_declined", key=key)
    _problem(declined, 402, "payment_declined")

    replayed = _pay(user, booking["id"], "tok_declined", key=key)
    other_body = _pay(user, booking["id"], "tok_ok", key=key)

    assert (replayed.status, replayed.body, replayed.headers["idempotent-replayed"]) == (402, declined.body, "true")
    _problem(other_body, 422, "idempotency_key_reused")
    assert _status(user, booking["id"]) == "pending"
    paid = _pay(user, booking["id"], key=_key())
    assert paid.status == 200 and paid.json()["status"] == "confirmed"


def test_a_paid_booking_replays_its_confirmation(user: Caller, departure: dict[str, Any]) -> None:
    booking = _booked(user, departure["id"])
    key = _key()
    paid = _pay(user, booking["id"], key=key)

    again = _pay(user, booking["id"], key=key)

    assert paid.status == 200 and (again.status, again.body) == (200, paid.body)
    assert again.headers["idempotent-replayed"] == "true"
    _problem(_pay(user, booking["id"], key=_key()), 409, "invalid_state")  # a new key really runs again


def test_a_404_is_not_stored_and_releases_the_key(user: Caller, departure: dict[str, Any]) -> None:
    key = _key()
    unknown = str(uuid.uuid4())
    first = _book(user, unknown, key=key)
    retry = _book(user, unknown, key=key)

    _problem(first, 404, "not_found")
    _problem(retry, 404, "not_found")
    assert "idempotent-replayed" not in retry.headers
    booked = _book(user, departure["id"], key=key)  # another body: the key was released, not reused
    assert booked.status == 201, booked.body
    assert _book(user, departure["id"], key=key).headers["idempotent-replayed"] == "true"


def test_a_validation_error_is_not_stored(user: Caller, departure: dict[str, Any]) -> None:
    key = _key()
    _problem(_book(user, departure["id"], 11, key=key), 422, "validation_error")

    assert _book(user, departure["id"], 1, key=key).status == 201


@pytest.mark.parametrize(("length", "status"), [(255, 201), (256, 422)])
def test_a_key_is_at_most_255_characters(user: Caller, departure: dict[str, Any], length: int, status: int) -> None:
    reply = _book(user, departure["id"], key=("k" * length))

    assert reply.status == status, reply.body
    if status == 422:
        assert _problem(reply, 422, "validation_error")["errors"][0]["loc"] == ["header", "Idempotency-Key"]
        assert _bookings_in_db(departure["id"]) == 0


def test_keys_are_scoped_to_the_caller(user: Caller, other: Caller, departure: dict[str, Any]) -> None:
    key = _key()
    mine = _book(user, departure["id"], 1, key=key)
    theirs = _book(other, departure["id"], 1, key=key)

    assert (mine.status, theirs.status) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers
    assert (mine.json()["user_id"], theirs.json()["user_id"]) == (user.id, other.id)
    assert _bookings_in_db(departure["id"]) == 2


def _access_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "tourbook.access"]


def test_a_refusal_with_a_key_is_logged_like_any_other_request(
    user: Caller, admin: Caller, capsys: pytest.CaptureFixture[str]
) -> None:
    departure = _departure(admin, capacity=1)
    booking = _booked(user, departure["id"])
    capsys.readouterr()

    replies = [
        _book(user, departure["id"], key=_key()),  # 409 sold_out, stored
        _pay(user, booking["id"], "tok_declined", key=_key()),  # 402, stored
        _book(user, str(uuid.uuid4()), key=_key()),  # 404, released
    ]

    assert [reply.status for reply in replies] == [409, 402, 404]
    logged = [(line["function"], line["status"], line["user_id"]) for line in _access_lines(capsys.readouterr().out)]
    assert logged == [("create_booking", 409, user.id), ("pay_booking", 402, user.id),
                      ("create_booking", 404, user.id)]
