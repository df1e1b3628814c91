"""Bad input, as an attacker or a careless client sends it, against the real handlers: a clear 4xx, nothing changed."""
from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from functions.auth import get_me, log_in, register_user
from functions.bookings import create_booking, list_bookings
from functions.reviews import list_reviews
from functions.tours import create_departure, create_tour, list_departures, list_tours
from functions.users import list_logins
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure, Tour
from shared.tours.schemas import HORIZON_DAYS
from shared.users.models import User
from tests.support.accounts import create_account, token_for
from tests.support.builders import DEFAULT_PASSWORD, unique_email
from tests.support.invoke import Reply, invoke, run_in_environment

TOURS = "/v1/tours"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = reply.json()
    assert problem["code"] == code and problem["request_id"] == reply.headers["x-request-id"]
    return problem


def _locations(reply: Reply) -> list[list[str]]:
    return [error["loc"] for error in _problem(reply, 422, "validation_error")["errors"]]


def _tours(query: str) -> Reply:
    return invoke(list_tours.handler, "GET", TOURS, query=query)


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


def _count(model: Any, *where: Any) -> int:
    async def count() -> int:
        async with UnitOfWork() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return run_in_environment(count())


@pytest.mark.parametrize("query", ["min_price=2147483648", "max_price=2147483648", "min_price=99999999999999999999"])
def test_prices_postgresql_cannot_compare_are_422(query: str) -> None:
    assert _locations(_tours(query)) == [["query", query.partition("=")[0]]]


def test_a_group_of_up_to_a_thousand_may_search() -> None:
    assert _tours("seats=12").status == 200
    assert _tours("seats=1000").status == 200
    assert _locations(_tours("seats=1001")) == [["query", "seats"]]


@pytest.mark.parametrize("query", ["date_to=0", "date_from=1767225600", "date_to=12.5", "date_from=-1"])
def test_a_number_is_no_date_in_a_search(query: str) -> None:
    """pydantic reads a number as a Unix time (date_to=0 was 1970-01-01, an empty page): the API takes ISO dates."""
    problem = _problem(_tours(query), 422, "validation_error")
    assert [(error["loc"], error["type"]) for error in problem["errors"]] == [
        (["query", query.partition("=")[0]], "date_format")]
    assert _tours("date_from=2030-01-01&date_to=2030-12-31").status == 200


@pytest.mark.parametrize("query", ["q=a%00b", "country=%00", "tag=x%00", "city=a%00"])
def test_nul_in_a_search_is_422(query: str) -> None:
    problem = _problem(_tours(query), 422, "validation_error")
    assert problem["errors"][0]["type"] == "string_nul"


def test_a_search_that_is_not_utf8_is_400() -> None:
    _problem(_tours("q=%C3"), 400, "bad_request")


def test_every_sort_pages_with_its_own_cursor_and_refuses_the_others(admin: str) -> None:
    for price in (1_000, 2_000, 3_000):
        tour = {"title": "Paged tour", "description": "Paged.", "country": "Pagina", "city": "Cursor",
                "duration_days": 2, "price_cents": price, "currency": "EUR", "is_published": True}
        assert invoke(create_tour.handler, "POST", TOURS, token=admin, json_body=tour).status == 201
    sorts = ["price", "-price", "rating", "-rating", "starts_on", "-created_at"]
    cursors = {}
    for sort in sorts:
        first = _tours(f"sort={sort}&limit=1").json()
        cursors[sort] = first["next_cursor"]
        second = _tours(f"sort={sort}&limit=1&cursor={cursors[sort]}")
        assert second.status == 200, second.body
        assert second.json()["items"][0]["id"] != first["items"][0]["id"]
    for sort in sorts:
        for other in sorts:
            if other != sort:
                problem = _problem(_tours(f"sort={other}&cursor={cursors[sort]}"), 400, "bad_request")
                assert problem["detail"] == "The cursor is not valid"


ANY_ID = str(uuid.uuid4())


@pytest.mark.parametrize(("sort", "cursor"), [
    ("price", _cursor("tours:price", 2**40, ANY_ID)),
    ("price", _cursor("tours:price", -1, ANY_ID)),
    ("price", _cursor("tours:price", 4.5, ANY_ID)),
    ("price", _cursor("tours:price", True, ANY_ID)),
    ("price", _cursor("tours:price", "100", ANY_ID)),
    ("price", _cursor("tours:price", 100, "not an id")),
    ("price", _cursor("tours:price", 100)),
    ("price", _cursor("tours:price", 100, ANY_ID, 1)),
    ("price", _cursor(100, ANY_ID)),
    ("price", _cursor({"tours:price": 1})),
    ("rating", base64.urlsafe_b64encode(b'["tours:rating", NaN, "%s"]' % ANY_ID.encode()).decode()),
    ("rating", _cursor("tours:rating", 1e300, ANY_ID)),
    ("-created_at", _cursor("tours:-created_at", "2026-01-01T00:00:00", ANY_ID)),  # no time zone
    ("-created_at", _cursor("tours:-created_at", "+99999-01-01T00:00:00Z", ANY_ID)),
    ("starts_on", _cursor("tours:starts_on", "10000-01-01", ANY_ID)),
    ("price", "%FF%FE"),
    ("price", "not base64!"),
])
def test_a_forged_cursor_is_400(sort: str, cursor: str) -> None:
    _problem(_tours(f"sort={sort}&cursor={cursor}"), 400, "bad_request")


@pytest.mark.parametrize("cursor", ["", "A" * 100_000])
def test_an_empty_or_enormous_cursor_is_422(cursor: str) -> None:
    # An empty one took the "after a cursor" statement without its values: a 500 for every sort.
    for sort in ("price", "starts_on", "-created_at"):
        assert _locations(_tours(f"sort={sort}&q=tour&cursor={cursor}")) == [["query", "cursor"]]
    email = unique_email("cursor")
    create_account(email)
    token = invoke(log_in.handler, "POST", "/v1/auth/login",
                   json_body={"email": email, "password": DEFAULT_PASSWORD}).json()["access_token"]
    reply = invoke(list_logins.handler, "GET", "/v1/users/me/logins", token=token, query=f"cursor={cursor}")
    assert _locations(reply) == [["query", "cursor"]]


def test_a_cursor_of_one_list_is_400_in_another() -> None:
    email = unique_email("lists")
    create_account(email)
    logged = [invoke(log_in.handler, "POST", "/v1/auth/login", json_body={"email": email, "password": DEFAULT_PASSWORD})
              for _ in range(2)]
    token = logged[-1].json()["access_token"]
    logins = invoke(list_logins.handler, "GET", "/v1/users/me/logins", token=token, query="limit=1").json()
    cursor = logins["next_cursor"]
    assert invoke(list_logins.handler, "GET", "/v1/users/me/logins", token=token,
                  query=f"limit=1&cursor={cursor}").status == 200
    _problem(invoke(list_bookings.handler, "GET", "/v1/bookings", token=token, query=f"cursor={cursor}"),
             400, "bad_request")
    tour_id = _tours("limit=1").json()["items"][0]["id"]
    for handler, route in ((list_departures.handler, "/v1/tours/{tour_id}/departures"),
                           (list_reviews.handler, "/v1/tours/{tour_id}/reviews")):
        _problem(invoke(handler, "GET", route, path={"tour_id": tour_id}, query=f"cursor={cursor}"), 400, "bad_request")


@pytest.mark.parametrize(("field", "value"), [("duration_days", True), ("price_cents", "250"),
                                              ("is_published", 0), ("price_cents", 2**31), ("tags", ["ok", "\x00"])])
def test_a_tour_body_is_read_strictly_and_creates_nothing(admin: str, field: str, value: Any) -> None:
    title = f"Strict {uuid.uuid4().hex[:12]}"
    tour = {"title": title, "description": "Never stored.", "country": "Nowhere", "city": "None",
            "duration_days": 2, "price_cents": 1_000, "currency": "EUR", field: value}
    reply = invoke(create_tour.handler, "POST", TOURS, token=admin, json_body=tour)
    assert _locations(reply) == [["body", field]]
    assert _count(Tour, Tour.title == title) == 0


def test_nul_in_a_registration_is_422_and_makes_no_account() -> None:
    email = unique_email("nul")
    reply = invoke(register_user.handler, "POST", "/v1/auth/register",
                   json_body={"email": email, "password": "a long password", "full_name": "Ann\x00"})
    assert _locations(reply) == [["body", "full_name"]]
    assert _count(User, User.email == email) == 0


@pytest.mark.parametrize(("options", "field"), [
    ({"json_body": {"email": "ann\x00@example.com", "password": "a long password"}}, "email"),
    ({"body": b"username=ann%00%40example.com&password=a+long+password", "headers": FORM}, "username"),
])
def test_nul_in_a_login_is_422(options: dict[str, Any], field: str) -> None:
    assert _locations(invoke(log_in.handler, "POST", "/v1/auth/login", **options)) == [["body", field]]


@pytest.mark.parametrize("body", [b"username=ann%FF%40example.com&password=x", b"username=ann\xff&password=x"])
def test_a_login_form_that_is_not_utf8_is_400(body: bytes) -> None:
    _problem(invoke(log_in.handler, "POST", "/v1/auth/login", body=body, headers=FORM), 400, "bad_request")


def test_a_registration_that_is_not_utf8_is_400() -> None:
    reply = invoke(register_user.handler, "POST", "/v1/auth/register",
                   body=b'{"email": "\xff@example.com", "password": "a long password"}',
                   headers={"content-type": "application/json"})
    _problem(reply, 400, "bad_request")


def test_a_login_whose_user_agent_holds_nul_succeeds() -> None:
    email = unique_email("agent")
    create_account(email)
    reply = invoke(log_in.handler, "POST", "/v1/auth/login", json_body={"email": email, "password": DEFAULT_PASSWORD},
                   headers={"user-agent": "curl\x00/8"})
    assert reply.status == 200
    logins = invoke(list_logins.handler, "GET", "/v1/users/me/logins", token=reply.json()["access_token"]).json()
    assert logins["items"][0]["user_agent"] == "curl/8"


@pytest.mark.parametrize("claims", [{"fam": ["x"]}, {"fam": 1}, {"sub": {"id": 1}}, {"role": 0}])
def test_a_signed_token_with_malformed_claims_is_401(claims: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    valid = {"sub": str(uuid.uuid4()), "fam": str(uuid.uuid4()), "role": "user", "typ": "access", "iat": now,
             "exp": now + dt.timedelta(minutes=5)}
    token = jwt.encode(valid | claims, get_settings().jwt_secret.get_secret_value(), algorithm="HS256")
    reply = invoke(get_me.handler, "GET", "/v1/auth/me", token=token)
    assert _problem(reply, 401, "unauthorized")["detail"] == "The access token is not valid"
    assert reply.headers["www-authenticate"] == "Bearer"


def test_a_departure_is_at_most_ten_years_ahead_and_the_furthest_can_be_booked(admin: str) -> None:
    # A departure on 9999-12-31 was created, and booking it was a 500 (its last day is past the last date).
    tour = {"title": "Far tour", "description": "Far.", "country": "Future", "city": "Later", "duration_days": 60,
            "price_cents": 1_000, "currency": "EUR", "is_published": True}
    tour_id = invoke(create_tour.handler, "POST", TOURS, token=admin, json_body=tour).json()["id"]
    route, path = "/v1/tours/{tour_id}/departures", {"tour_id": tour_id}
    furthest = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=HORIZON_DAYS)
    for too_far in ("9999-12-31", (furthest + dt.timedelta(days=1)).isoformat()):
        reply = invoke(create_departure.handler, "POST", route, path=path, token=admin,
                       json_body={"starts_on": too_far, "capacity": 5})
        assert _locations(reply) == [["body", "starts_on"]]
    assert _count(Departure, Departure.tour_id == tour_id) == 0
    reply = invoke(create_departure.handler, "POST", route, path=path, token=admin,
                   json_body={"starts_on": furthest.isoformat(), "capacity": 5})
    assert reply.status == 201, reply.body
    booked = invoke(create_booking.handler, "POST", "/v1/bookings", token=token_for("user"),
                    json_body={"departure_id": reply.json()["id"], "seats": 1})
    assert booked.status == 201, booked.body
