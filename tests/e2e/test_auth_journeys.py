"""Whole auth journeys over real HTTP through the local gateway, in both modes."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import uuid
from typing import Any

import httpx
import jwt

from local_gateway import template as sam
from tests.e2e.conftest import Gateway

PASSWORD = "correct horse battery"


def unique_email() -> str:
    return f"E2E-{uuid.uuid4().hex[:12]}@Example.com"


def register(client: httpx.Client, email: str) -> dict[str, Any]:
    response = client.post("/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "E2E"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def log_in(client: httpx.Client, email: str) -> dict[str, Any]:
    response = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def test_register_log_in_refresh_and_log_out(client: httpx.Client) -> None:
    email = unique_email()

    user = register(client, email)
    json_login = log_in(client, email)
    form = client.post("/v1/auth/login", data={"username": email, "password": PASSWORD, "grant_type": "password"})
    me = client.get("/v1/auth/me", headers=bearer(json_login["access_token"]))
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": json_login["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    rotated = refreshed.json()
    logout = client.post("/v1/auth/logout", headers=bearer(rotated["access_token"]), json={})

    assert user["email"] == email.lower() and user["role"] == "user" and user["has_password"] is True
    # No password, nor its hash, in any field (`has_password` is the one field that names it).
    assert not {key for key in user if "password" in key} - {"has_password"}
    assert "$2b$" not in json.dumps(user) and PASSWORD not in json.dumps(user)
    assert json_login["token_type"] == "bearer" and json_login["expires_in"] > 0
    assert form.status_code == 200 and form.json()["refresh_token"] != json_login["refresh_token"]
    assert me.status_code == 200 and me.json()["id"] == user["id"]
    assert rotated["refresh_token"] != json_login["refresh_token"]
    assert logout.status_code == 204 and logout.content == b""
    for token in (json_login["access_token"], rotated["access_token"]):  # the whole family is over
        response = client.get("/v1/auth/me", headers=bearer(token))
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
    assert_problem(client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}),
                   401, "unauthorized")
    # The form login opened another family, which logging out of the first one leaves alone.
    assert client.get("/v1/auth/me", headers=bearer(form.json()["access_token"])).status_code == 200


def test_reusing_a_rotated_refresh_token_ends_the_family(client: httpx.Client) -> None:
    email = unique_email()
    register(client, email)
    first = log_in(client, email)
    second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()

    reuse = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert_problem(reuse, 401, "unauthorized")
    assert_problem(client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}),
                   401, "unauthorized")
    assert_problem(client.get("/v1/auth/me", headers=bearer(second["access_token"])), 401, "unauthorized")


def test_wrong_password_is_invalid_credentials(client: httpx.Client) -> None:
    email = unique_email()
    register(client, email)

    response = client.post("/v1/auth/login", json={"email": email, "password": "not the password"})

    assert_problem(response, 401, "invalid_credentials")


def test_bodies_that_are_not_acceptable(client: httpx.Client) -> None:
    json_type = {"content-type": "application/json"}

    malformed = client.post("/v1/auth/register", content=b'{"email": ', headers=json_type)
    unknown = client.post("/v1/auth/register", json={"email": unique_email(), "password": PASSWORD, "nickname": "x"})
    too_large = client.post("/v1/auth/register", content=b" " * (1024 * 1024 + 1), headers=json_type)
    not_json = client.post("/v1/auth/register", content=b"email=a", headers={"content-type": "text/plain"})

    assert_problem(malformed, 400, "bad_request")
    errors = assert_problem(unknown, 422, "validation_error")["errors"]
    assert [error["loc"] for error in errors] == [["body", "nickname"]]
    assert_problem(too_large, 413, "payload_too_large")
    assert_problem(not_json, 415, "unsupported_media_type")


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tokens_that_must_not_work(client: httpx.Client) -> None:
    email = unique_email()
    register(client, email)
    tokens = log_in(client, email)
    access = tokens["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    header, payload, signature = access.split(".")
    secret = os.environ["JWT_SECRET"]  # the gateway runs in this process, with these settings
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)

    tampered = ".".join([header, _segment({**claims, "role": "admin"}), signature])
    expired = jwt.encode({**claims, "iat": past - dt.timedelta(minutes=15), "exp": past}, secret, algorithm="HS256")
    unsigned = ".".join([_segment({"alg": "none", "typ": "JWT"}), payload, ""])
    wrong_key = jwt.encode(claims, "another-secret-0123456789-0123456789", algorithm="HS256")

    for token in (tampered, unsigned, wrong_key, tokens["refresh_token"], "garbage"):
        assert_problem(client.get("/v1/auth/me", headers=bearer(token)), 401, "unauthorized")
    assert_problem(client.get("/v1/auth/me", headers=bearer(expired)), 401, "token_expired")
    assert_problem(client.get("/v1/auth/me"), 401, "unauthorized")
    assert client.get("/v1/auth/me", headers=bearer(access)).status_code == 200


def test_health(client: httpx.Client) -> None:
    response = client.get("/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert response.headers["x-request-id"]


def test_gateway_errors_are_problems(client: httpx.Client) -> None:
    assert_problem(client.get("/v1/no/such/route"), 404, "not_found")
    assert_problem(client.delete("/v1/health"), 405, "method_not_allowed")


def test_cors_preflight_is_answered_from_the_template(client: httpx.Client) -> None:
    response = client.options("/v1/auth/login", headers={
        "origin": "https://tours.example.com", "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
    })

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_metrics_name_route_templates_never_raw_paths(client: httpx.Client, gateway: Gateway) -> None:
    client.get("/v1/health")
    client.get("/v1/auth/me")

    text = client.get("/metrics").text

    assert re.search(r'tourbook_http_requests_total\{function="get_health",method="GET",'
                     r'route="/v1/health",status="200"\} [1-9]', text)
    assert re.search(r'tourbook_http_requests_total\{function="get_me",method="GET",'
                     r'route="/v1/auth/me",status="401"\} [1-9]', text)
    template = sam.load()
    ours = {function.name for function in template.functions}
    routes = {route for function, route in re.findall(
        r'^tourbook_http_requests_total\{function="([^"]*)",[^}]*route="([^"]*)"', text, re.MULTILINE,
    ) if function in ours}
    assert routes and routes <= {route.path for _, route in template.routes}
