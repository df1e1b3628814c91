"""What the gateway itself decides, over real HTTP: who the client is, what no route matches, HEAD."""
from __future__ import annotations

import httpx

from tests.e2e.conftest import GatewayFactory
from tests.e2e.test_auth_journeys import assert_problem, register, unique_email


def _failed_logins(client: httpx.Client, email: str, count: int) -> list[int]:
    return [client.post("/v1/auth/login", json={"email": email, "password": "not the password"},
                        headers={"x-forwarded-for": f"203.0.113.{attempt}"}).status_code
            for attempt in range(count)]


def test_rotating_x_forwarded_for_does_not_escape_the_login_rate_limit(client: httpx.Client) -> None:
    email = unique_email()
    register(client, email)

    statuses = _failed_logins(client, email, 7)

    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]  # one address (the socket's peer) whatever the header says


def test_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(gateway_factory: GatewayFactory) -> None:
    with gateway_factory("inprocess", GATEWAY_TRUSTED_PROXIES="127.0.0.1") as gateway, gateway.client() as client:
        email = unique_email()
        register(client, email)

        assert _failed_logins(client, email, 7) == [401] * 7  # seven clients behind the proxy, one failure each


def test_no_route_is_the_not_found_functions_problem(client: httpx.Client) -> None:
    response = client.get("/v1/no/such/route")

    body = assert_problem(response, 404, "not_found")
    assert body["instance"] == "/v1/no/such/route"
    assert body["type"] == "https://tourbook.dev/problems/not_found"
    assert body["request_id"] == response.headers["x-request-id"] == response.headers["apigw-requestid"]


def test_a_method_the_path_lacks_is_405_with_allow(client: httpx.Client) -> None:
    response = client.delete("/v1/health")

    body = assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"
    assert body["request_id"] == response.headers["x-request-id"]


def test_head_is_answered_wherever_get_is(client: httpx.Client) -> None:
    get = client.get("/v1/tours")
    head = client.head("/v1/tours")

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
    assert head.headers["x-request-id"]
    assert client.head("/v1/auth/me").status_code == 401  # the GET's answer, without its body


def test_a_path_that_does_not_decode_is_a_400_problem(client: httpx.Client) -> None:
    response = client.get("/v1/tours/%FF%FE")

    body = assert_problem(response, 400, "bad_request")
    assert body["request_id"] == response.headers["x-request-id"]
