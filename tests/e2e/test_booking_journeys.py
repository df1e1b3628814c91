"""Whole booking journeys over real HTTP through the local gateway, in both modes, and bursts of bookings."""
from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shared.bookings import invariants
from shared.bookings.models import Booking
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure
from tests.e2e.conftest import Gateway, GatewayFactory
from tests.e2e.test_auth_journeys import assert_problem, bearer, log_in, register, unique_email
from tests.support.accounts import create_account
from tests.support.invoke import run_in_environment

Headers = dict[str, str]


def admin_headers(client: httpx.Client) -> Headers:
    """A fresh admin (the demo admin may not exist in the test database), signed in over HTTP."""
    email = unique_email()
    create_account(email, "admin")
    return bearer(log_in(client, email)["access_token"])


def user_headers(client: httpx.Client) -> Headers:
    email = unique_email()
    register(client, email)
    return bearer(log_in(client, email)["access_token"])


def published_departure(client: httpx.Client, admin: Headers, *, capacity: int) -> tuple[dict[str, Any], str]:
    """A published tour in a country of its own, with one departure; returns (departure, country)."""
    country = f"Bookland {uuid.uuid4().hex[:8]}"
    tour = client.post("/v1/tours", headers=admin, json={
        "title": "Fjords by Kayak", "description": "Paddle between glaciers.", "country": country,
        "city": "Bergen", "duration_days": 4, "price_cents": 120_000, "currency": "NOK", "is_published": True,
    })
    assert tour.status_code == 201, tour.text
    starts_on = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    departure = client.post(f"/v1/tours/{tour.json()['id']}/departures", headers=admin,
                            json={"starts_on": starts_on, "capacity": capacity})
    assert departure.status_code == 201, departure.text
    return departure.json(), country


def seats_shown(client: httpx.Client, departure: dict[str, Any]) -> tuple[int, int]:
    """Seats left as a visitor sees them: on the tour's page and in its departures list."""
    tour = client.get(f"/v1/tours/{departure['tour_id']}")
    listed = client.get(f"/v1/tours/{departure['tour_id']}/departures")
    assert tour.status_code == listed.status_code == 200
    assert tour.json()["next_departure"]["id"] == departure["id"]
    [row] = [row for row in listed.json()["items"] if row["id"] == departure["id"]]
    return tour.json()["next_departure"]["seats_left"], row["seats_left"]


def listed_with_seats(client: httpx.Client, country: str, seats: int) -> list[str]:
    response = client.get("/v1/tours", params={"country": country, "seats": seats})
    assert response.status_code == 200, response.text
    return [tour["id"] for tour in response.json()["items"]]


def book(client: httpx.Client, headers: Headers, departure_id: str, seats: int) -> httpx.Response:
    return client.post("/v1/bookings", headers=headers, json={"departure_id": departure_id, "seats": seats})


def test_browse_book_pay_and_check_in(client: httpx.Client) -> None:
    admin = admin_headers(client)
    departure, country = published_departure(client, admin, capacity=5)
    email = unique_email()
    register(client, email)
    user = bearer(log_in(client, email)["access_token"])

    browsed = client.get("/v1/tours", params={"country": country})
    assert browsed.status_code == 200 and [t["id"] for t in browsed.json()["items"]] == [departure["tour_id"]]
    assert browsed.json()["items"][0]["next_departure"] == {
        "id": departure["id"], "starts_on": departure["starts_on"], "seats_left": 5}
    assert seats_shown(client, departure) == (5, 5)

    booked = book(client, user, departure["id"], 2)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert (booking["status"], booking["total_cents"], booking["currency"]) == ("pending", 240_000, "NOK")
    assert seats_shown(client, departure) == (3, 3)

    paid = client.post(f"/v1/bookings/{booking['id']}/pay", headers=user, json={"payment_token": "tok_ok"})
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    mine = client.get("/v1/bookings", headers=user).json()["items"]
    assert [(b["id"], b["status"]) for b in mine] == [(booking["id"], "confirmed")]
    ticket = client.get(f"/v1/bookings/{booking['id']}/ticket", headers=user)
    assert ticket.status_code == 200 and ticket.json()["qr_svg"].startswith("<svg")

    checked_in = client.post("/v1/admin/check-ins", headers=admin, json={"code": ticket.json()["code"]})
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["id"] == booking["id"] and checked_in.json()["checked_in_at"]
    assert_problem(client.post("/v1/admin/check-ins", headers=admin, json={"code": ticket.json()["code"]}),
                   409, "already_checked_in")
    assert client.get(f"/v1/bookings/{booking['id']}", headers=user).json()["checked_in_at"]
    assert seats_shown(client, departure) == (3, 3)


def test_cancelling_puts_the_seats_back_on_sale(client: httpx.Client) -> None:
    admin = admin_headers(client)
    departure, country = published_departure(client, admin, capacity=3)
    user = user_headers(client)
    assert listed_with_seats(client, country, 3) == [departure["tour_id"]]  # warms the cached page

    first = book(client, user, departure["id"], 3)
    assert first.status_code == 201, first.text
    assert seats_shown(client, departure) == (0, 0)
    assert listed_with_seats(client, country, 3) == []
    assert assert_problem(book(client, user, departure["id"], 1), 409, "sold_out")["seats_left"] == 0

    cancelled = client.post(f"/v1/bookings/{first.json()['id']}/cancel", headers=user)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert seats_shown(client, departure) == (3, 3)
    assert listed_with_seats(client, country, 3) == [departure["tour_id"]]

    again = book(client, user, departure["id"], 3)
    assert again.status_code == 201, again.text
    assert seats_shown(client, departure) == (0, 0)


# -- bursts --------------------------------------------------------------------------------------------------


async def _departure_state(departure_id: str) -> tuple[int, int, list[invariants.Violation]]:
    """Seats taken, bookings made and capacity violations, read from the database."""
    async with UnitOfWork() as uow:
        ident = uuid.UUID(departure_id)
        departure = await uow.session.get_one(Departure, ident, populate_existing=True)
        made = await uow.session.scalar(select(func.count()).select_from(Booking).where(Booking.departure_id == ident))
        return departure.seats_taken, int(made or 0), await invariants.capacity_violations(uow, [ident])


async def _burst(url: str, requests: list[tuple[Headers, dict[str, Any]]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        return list(await asyncio.gather(*(
            client.post("/v1/bookings", headers=headers, json=body) for headers, body in requests)))


@pytest.mark.parametrize("mode", ["inprocess", "isolated"])
def test_two_hundred_concurrent_bookings_sell_exactly_the_seats_that_fit(gateway_factory: GatewayFactory,
                                                                         mode: str) -> None:
    # The pool the run command gives the inprocess gateway: many requests in flight share this process.
    with gateway_factory(mode, DB_POOL_SIZE="10") as gateway, gateway.client() as client:
        admin = admin_headers(client)
        departure, _ = published_departure(client, admin, capacity=50)
        users = [user_headers(client) for _ in range(5)]
        rng = random.Random(7)
        wanted = [rng.randint(1, 3) for _ in range(200)]

        responses = asyncio.run(_burst(gateway.url, [
            (users[n % len(users)], {"departure_id": departure["id"], "seats": seats}) for n, seats in enumerate(wanted)
        ]))
        taken, made, violations = run_in_environment(_departure_state(departure["id"]))
        shown = seats_shown(client, departure)

    statuses = Counter(response.status_code for response in responses)
    sold = [seats for seats, response in zip(wanted, responses) if response.status_code == 201]
    assert set(statuses) <= {201, 409}, statuses
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {"sold_out"}
    assert violations == []
    assert sum(sold) == taken and made == len(sold)
    assert 48 <= taken <= 50  # every request that fitted was sold: at most 2 seats left (requests of ≤ 3)
    assert shown == (50 - taken, 50 - taken)  # and the cached counts are the database's


def test_retries_with_one_key_make_one_booking(client: httpx.Client, gateway: Gateway) -> None:
    admin = admin_headers(client)
    departure, _ = published_departure(client, admin, capacity=10)
    user = user_headers(client) | {"idempotency-key": f"burst-{uuid.uuid4()}"}
    body = {"departure_id": departure["id"], "seats": 2}

    responses = asyncio.run(_burst(gateway.url, [(user, body)] * 20))
    replay = client.post("/v1/bookings", headers=user, json=body)
    taken, made, violations = run_in_environment(_departure_state(departure["id"]))

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, statuses
    assert {response.json()["code"] for response in responses if response.status_code == 409} <= {
        "idempotency_in_progress"}
    created = {response.json()["id"] for response in responses if response.status_code == 201}
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert created <= {replay.json()["id"]}
    assert (made, taken, violations) == (1, 2, [])
