"""PATCH /v1/bookings/{id} as Lambda calls it: edits, seats, date moves, payments and refunds, retries."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from functions.bookings import update_booking
from functions.tours import create_departure
from tests.functional.test_bookings_handlers import (
    BOOKING_ROUTE, Caller, _book, _booked, _departure, _get, _pay, _problem, _seats_left, admin, other, user,
)
from tests.support.invoke import Reply, invoke

__all__ = ["admin", "other", "user"]  # the fixtures, shared with the booking handlers' tests


def _change(caller: Caller, booking_id: str, *, key: str | None = None, **fields: Any) -> Reply:
    return invoke(update_booking.handler, "PATCH", BOOKING_ROUTE, path={"booking_id": booking_id},
                  token=caller.token, json_body=fields, headers={"idempotency-key": key} if key else None)


def _second_date(admin: Caller, departure: dict[str, Any], *, capacity: int = 10, days: int = 40,
                 price_cents: int | None = None) -> dict[str, Any]:
    starts_on = (dt.date.today() + dt.timedelta(days=days)).isoformat()
    body: dict[str, Any] = {"starts_on": starts_on, "capacity": capacity}
    if price_cents is not None:
        body["price_cents"] = price_cents
    reply = invoke(create_departure.handler, "POST", "/v1/tours/{tour_id}/departures",
                   path={"tour_id": departure["tour_id"]}, token=admin.token, json_body=body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def test_a_traveller_renames_travellers_and_adds_a_note(admin: Caller, user: Caller) -> None:
    departure = _departure(admin)
    booking = _booked(user, departure["id"], 2)
    reply = _change(user, booking["id"], travellers=["Ann", "Bo"], note="vegetarian")
    assert reply.status == 200, reply.body
    assert (reply.json()["travellers"], reply.json()["note"]) == (["Ann", "Bo"], "vegetarian")
    _problem(_change(user, booking["id"], travellers=["A", "B", "C"]), 422, "validation_error")
    _problem(_change(user, booking["id"], note=None), 422, "validation_error")


def test_seats_go_up_and_down_with_the_departure(admin: Caller, user: Caller) -> None:
    departure = _departure(admin, capacity=5)
    booking = _booked(user, departure["id"], 2)
    grown = _change(user, booking["id"], seats=4)
    assert (grown.status, grown.json()["seats"], grown.json()["total_cents"]) == (200, 4, 180_000)
    assert _seats_left(departure) == 1
    sold_out = _problem(_change(user, booking["id"], seats=6), 409, "sold_out")
    assert sold_out["seats_left"] == 1
    assert _get(user, booking["id"]).json()["seats"] == 4 and _seats_left(departure) == 1
    assert _change(user, booking["id"], seats=1).json()["seats"] == 1
    assert _seats_left(departure) == 4


def test_a_move_to_another_date_is_atomic_and_a_sold_out_one_changes_nothing(
    admin: Caller, user: Caller, other: Caller
) -> None:
    departure = _departure(admin)
    later = _second_date(admin, departure, capacity=3, price_cents=50_000)
    booking = _booked(user, departure["id"], 2)
    assert _book(other, later["id"], 2).status == 201
    _problem(_change(user, booking["id"], departure_id=later["id"]), 409, "sold_out")
    assert (_seats_left(departure), _seats_left(later)) == (8, 1)
    assert _get(user, booking["id"]).json()["departure_id"] == departure["id"]
    moved = _change(user, booking["id"], departure_id=later["id"], seats=1)
    assert moved.status == 200, moved.body
    assert (moved.json()["departure_id"], moved.json()["starts_on"], moved.json()["total_cents"]) == (
        later["id"], later["starts_on"], 50_000)
    assert (_seats_left(departure), _seats_left(later)) == (10, 0)
    elsewhere = _departure(admin)
    _problem(_change(user, booking["id"], departure_id=elsewhere["id"]), 422, "validation_error")
    _problem(_change(user, booking["id"], departure_id=str(uuid.uuid4())), 404, "not_found")


def test_a_confirmed_booking_pays_for_more_and_gets_back_by_policy_for_less(admin: Caller, user: Caller) -> None:
    departure = _departure(admin)  # 30 days ahead: the default policy gives everything back
    booking = _booked(user, departure["id"], 2)
    assert _pay(user, booking["id"]).status == 200
    _problem(_change(user, booking["id"], seats=3), 409, "payment_required")
    _problem(_change(user, booking["id"], seats=3, payment_token="tok_declined"), 402, "payment_declined")
    assert _get(user, booking["id"]).json()["seats"] == 2
    grown = _change(user, booking["id"], seats=3, payment_token="tok_ok").json()
    assert (grown["seats"], grown["status"], grown["paid_cents"], grown["refunded_cents"]) == (
        3, "confirmed", 135_000, 0)
    shrunk = _change(user, booking["id"], seats=1).json()
    assert (shrunk["seats"], shrunk["total_cents"], shrunk["paid_cents"], shrunk["refunded_cents"]) == (
        1, 45_000, 135_000, 90_000)
    assert shrunk["payment_method"] == "card"


def test_a_move_retried_with_its_key_changes_nothing_twice(admin: Caller, user: Caller) -> None:
    departure = _departure(admin)
    later = _second_date(admin, departure)
    booking = _booked(user, departure["id"], 2)
    assert _pay(user, booking["id"]).status == 200
    first = _change(user, booking["id"], key="move-1", departure_id=later["id"], seats=1)
    again = _change(user, booking["id"], key="move-1", departure_id=later["id"], seats=1)
    assert first.status == again.status == 200
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    assert first.json()["refunded_cents"] == 45_000  # one seat given up, once
    assert (_seats_left(departure), _seats_left(later)) == (10, 9)
    _problem(_change(user, booking["id"], key="move-1", seats=2), 422, "idempotency_key_reused")


def test_a_refunding_shrink_retried_with_its_key_refunds_once(admin: Caller, user: Caller) -> None:
    departure = _departure(admin)
    booking = _booked(user, departure["id"], 3)
    assert _pay(user, booking["id"]).status == 200
    key = f"shrink-{uuid.uuid4().hex}"
    first = _change(user, booking["id"], key=key, seats=1)
    again = _change(user, booking["id"], key=key, seats=1)
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    shown = _get(user, booking["id"]).json()
    assert (shown["seats"], shown["paid_cents"], shown["refunded_cents"]) == (1, 135_000, 90_000)
    assert _seats_left(departure) == 9


def test_only_the_owner_changes_a_booking_and_only_while_it_holds_seats(
    admin: Caller, user: Caller, other: Caller
) -> None:
    departure = _departure(admin)
    booking = _booked(user, departure["id"], 1)
    _problem(_change(other, booking["id"], note="mine now"), 404, "not_found")
    _problem(_change(admin, booking["id"], note="admin"), 404, "not_found")
    from tests.functional.test_bookings_handlers import _cancel
    assert _cancel(user, booking["id"]).status == 200
    _problem(_change(user, booking["id"], note="late"), 409, "invalid_state")


# -- admin bookings ------------------------------------------------------------------------------------------


def _admin_book(caller: Caller, **fields: Any) -> Reply:
    from functions.admin import create_admin_booking

    return invoke(create_admin_booking.handler, "POST", "/v1/admin/bookings", token=caller.token, json_body=fields)


def test_an_admin_books_for_a_traveller_held_or_paid_at_the_desk(admin: Caller, user: Caller) -> None:
    departure = _departure(admin, capacity=4)
    held = _admin_book(admin, user_id=user.id, departure_id=departure["id"], seats=1, travellers=["Ann"])
    assert held.status == 201, held.body
    assert (held.json()["user_id"], held.json()["status"], held.json()["paid_cents"]) == (user.id, "pending", 0)
    assert held.json()["expires_at"] is not None
    paid = _admin_book(admin, user_id=user.id, departure_id=departure["id"], seats=2, paid_offline=True).json()
    assert (paid["status"], paid["paid_cents"], paid["payment_method"], paid["expires_at"]) == (
        "confirmed", 90_000, "offline", None)
    assert _get(user, paid["id"]).json()["status"] == "confirmed"  # the traveller sees it as theirs
    assert _seats_left(departure) == 1
    _problem(_admin_book(admin, user_id=user.id, departure_id=departure["id"], seats=2), 409, "sold_out")
    _problem(_admin_book(admin, user_id=str(uuid.uuid4()), departure_id=departure["id"], seats=1), 404, "not_found")
    _problem(_admin_book(user, user_id=user.id, departure_id=departure["id"], seats=1), 403, "forbidden")
    from tests.functional.test_bookings_handlers import _cancel
    cancelled = _cancel(admin, paid["id"]).json()
    assert (cancelled["status"], cancelled["refunded_cents"]) == ("cancelled", 90_000)


# -- the waitlist --------------------------------------------------------------------------------------------


def test_a_traveller_waits_for_a_sold_out_date_and_gets_the_seats_someone_gives_back(
    admin: Caller, user: Caller, other: Caller
) -> None:
    from functions.bookings import join_waitlist, leave_waitlist, list_waitlist
    from tests.functional.test_bookings_handlers import _cancel

    departure = _departure(admin, capacity=2)
    booking = _booked(other, departure["id"], 2)
    path = "/v1/departures/{departure_id}/waitlist"
    too_many = invoke(join_waitlist.handler, "POST", path, path={"departure_id": departure["id"]},
                      token=user.token, json_body={"seats": 11})
    _problem(too_many, 422, "validation_error")
    joined = invoke(join_waitlist.handler, "POST", path, path={"departure_id": departure["id"]}, token=user.token,
                    json_body={"seats": 2})
    assert joined.status == 201, joined.body
    assert {key: joined.json()[key] for key in ("departure_id", "seats", "position", "status")} == {
        "departure_id": departure["id"], "seats": 2, "position": 1, "status": "waiting"}
    again = invoke(join_waitlist.handler, "POST", path, path={"departure_id": departure["id"]}, token=user.token,
                   json_body={"seats": 1})
    _problem(again, 409, "already_waitlisted")
    assert _cancel(other, booking["id"]).status == 200
    mine = invoke(list_waitlist.handler, "GET", "/v1/users/me/waitlist", token=user.token)
    assert mine.status == 200, mine.body
    [entry] = [item for item in mine.json()["items"] if item["id"] == joined.json()["id"]]
    assert (entry["status"], entry["position"]) == ("offered", None)
    offer = _get(user, entry["booking_id"]).json()
    assert (offer["status"], offer["seats"], offer["departure_id"]) == ("pending", 2, departure["id"])
    left = invoke(leave_waitlist.handler, "DELETE", "/v1/waitlist/{entry_id}", path={"entry_id": entry["id"]},
                  token=user.token)
    _problem(left, 409, "invalid_state")
    stranger = invoke(leave_waitlist.handler, "DELETE", "/v1/waitlist/{entry_id}", path={"entry_id": entry["id"]},
                      token=other.token)
    _problem(stranger, 404, "not_found")
