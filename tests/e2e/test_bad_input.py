"""Bad input over real HTTP through the gateway, in both modes: a problem+json 4xx naming the request, never a 5xx."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import jwt
import pytest

from shared.core.settings import get_settings
from tests.e2e.test_auth_journeys import PASSWORD, assert_problem, bearer, log_in, register, unique_email


def _named(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    problem = assert_problem(response, status, code)
    assert problem["type"] == f"https://tourbook.dev/problems/{code}"
    assert problem["instance"] == response.request.url.path
    assert problem["request_id"] == response.headers["x-request-id"]
    return problem


@pytest.mark.parametrize(("query", "status", "code"), [
    ("min_price=2147483648", 422, "validation_error"),
    ("q=a%00b", 422, "validation_error"),
    ("seats=1001", 422, "validation_error"),
    ("cursor=", 422, "validation_error"),
    ("q=%FF", 400, "bad_request"),
    ("sort=price&cursor=WyJ0b3VyczpwcmljZSIsMWUzMDAsIngiXQ", 400, "bad_request"),
])
def test_a_bad_search_is_a_clear_problem(client: httpx.Client, query: str, status: int, code: str) -> None:
    _named(client.get(f"/v1/tours?{query}"), status, code)


def test_a_group_of_twelve_may_search(client: httpx.Client) -> None:
    assert client.get("/v1/tours?seats=12").status_code == 200


@pytest.mark.parametrize(("template", "status"), [
    (b'{"email": "%s", "password": "a long password", "full_name": "\xff"}', 400),  # not UTF-8
    (b'{"email": "%s", "password": 12345678}', 422),  # a number is no text
    (b'{"email": "%s", "password": "a long\\u0000password"}', 422),
])
def test_a_bad_registration_is_a_clear_problem_and_makes_no_account(
    client: httpx.Client, template: bytes, status: int
) -> None:
    email = unique_email()
    response = client.post("/v1/auth/register", content=template % email.encode(),
                           headers={"content-type": "application/json"})
    _named(response, status, "bad_request" if status == 400 else "validation_error")
    assert client.post("/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201


def test_a_booking_is_read_strictly(client: httpx.Client) -> None:
    email = unique_email()
    register(client, email)
    token = log_in(client, email)["access_token"]
    response = client.post("/v1/bookings", headers=bearer(token),
                           json={"departure_id": str(uuid.uuid4()), "seats": True})
    assert [error["loc"] for error in _named(response, 422, "validation_error")["errors"]] == [["body", "seats"]]
    assert client.get("/v1/bookings", headers=bearer(token)).json()["items"] == []


def test_a_signed_token_with_a_malformed_family_is_401(client: httpx.Client) -> None:
    email = unique_email()
    user = register(client, email)
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": user["id"], "fam": ["not", "an", "id"], "role": "user", "typ": "access", "iat": now,
              "exp": now + dt.timedelta(minutes=5)}
    token = jwt.encode(claims, get_settings().jwt_secret.get_secret_value(), algorithm="HS256")
    response = client.get("/v1/auth/me", headers=bearer(token))
    _named(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
