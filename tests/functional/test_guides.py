"""The guide role: check-ins and reading bookings, nothing else of the admin API; admins assign it."""
from __future__ import annotations

import datetime as dt
import uuid

from functions.admin import check_in, list_all_bookings, list_all_tours, list_users, update_ticket, update_user
from functions.auth import get_me
from functions.bookings import create_booking, get_ticket, pay_booking
from functions.tours import create_departure, create_tour
from tests.support.accounts import token_for
from tests.support.invoke import invoke

TOUR = {"title": "Guide Test Tour", "description": "Made by a guide test.", "country": "Guidonia",
        "city": "Guideville", "duration_days": 2, "price_cents": 10_000, "currency": "EUR", "is_published": True}


def test_an_admin_makes_a_guide_who_checks_travellers_in_and_reads_bookings() -> None:
    admin, user, guide = token_for("admin"), token_for("user"), token_for("user")
    guide_id = invoke(get_me.handler, "GET", "/v1/auth/me", token=guide).json()["id"]
    assert invoke(check_in.handler, "POST", "/v1/admin/check-ins", token=guide, json_body={"code": "x"}).status == 403
    made = invoke(update_user.handler, "PATCH", "/v1/admin/users/{user_id}", path={"user_id": guide_id},
                  token=admin, json_body={"role": "guide"})
    assert made.status == 200 and made.json()["role"] == "guide"
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=guide).json()["role"] == "guide"

    tour = invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR).json()
    starts_on = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    departure = invoke(create_departure.handler, "POST", "/v1/tours/{tour_id}/departures", token=admin,
                       path={"tour_id": tour["id"]}, json_body={"starts_on": starts_on, "capacity": 5}).json()
    booking = invoke(create_booking.handler, "POST", "/v1/bookings", token=user,
                     json_body={"departure_id": departure["id"], "seats": 1}).json()
    path = {"booking_id": booking["id"]}
    assert invoke(pay_booking.handler, "POST", "/v1/bookings/{booking_id}/pay", path=path, token=user,
                  json_body={"payment_token": "tok_ok"}).status == 200
    code = invoke(get_ticket.handler, "GET", "/v1/bookings/{booking_id}/ticket", path=path, token=user).json()["code"]

    listed = invoke(list_all_bookings.handler, "GET", "/v1/admin/bookings", token=guide,
                    query={"departure_id": departure["id"]})
    assert listed.status == 200 and [b["id"] for b in listed.json()["items"]] == [booking["id"]]
    checked = invoke(check_in.handler, "POST", "/v1/admin/check-ins", token=guide, json_body={"code": code})
    assert checked.status == 200 and checked.json()["checked_in_at"]

    # Nothing else of the admin API, nor the catalogue's writes.
    refused = [
        invoke(list_users.handler, "GET", "/v1/admin/users", token=guide),
        invoke(list_all_tours.handler, "GET", "/v1/admin/tours", token=guide),
        invoke(update_user.handler, "PATCH", "/v1/admin/users/{user_id}", path={"user_id": guide_id}, token=guide,
               json_body={"role": "admin"}),
        invoke(update_ticket.handler, "PATCH", "/v1/admin/tickets/{ticket_id}", path={"ticket_id": str(uuid.uuid4())},
               token=guide, json_body={"status": "closed"}),
        invoke(create_tour.handler, "POST", "/v1/tours", token=guide, json_body=TOUR),
    ]
    assert [reply.status for reply in refused] == [403] * len(refused)
    assert {reply.json()["code"] for reply in refused} == {"forbidden"}
    users = invoke(list_users.handler, "GET", "/v1/admin/users", token=admin, query={"role": "guide", "limit": "100"})
    assert guide_id in [u["id"] for u in users.json()["items"]]
