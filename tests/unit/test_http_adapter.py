"""The adapter's contract, with endpoints that touch nothing but the request."""
from __future__ import annotations

import json
import uuid

import pytest
from pydantic import Field

from shared.core import errors, http, metrics
from shared.core.schemas import Input
from tests.support.invoke import invoke

ROUTE = "/v1/things/{thing_id}"


class ThingIn(Input):
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(default=1, ge=1, le=10)


class ThingQuery(Input):
    tag: list[str] = []
    limit: int = Field(default=20, ge=1, le=100)


async def create_thing(request: http.Request, thing_id: uuid.UUID, body: ThingIn, query: ThingQuery) -> http.Response:
    """Echo what the adapter parsed."""
    return http.json({"id": thing_id, "name": body.name, "count": body.count, "tags": query.tag,
                      "limit": query.limit, "ip": request.client_ip}, status=201)


async def explode(request: http.Request) -> http.Response:
    """Fail the way a bug fails."""
    raise RuntimeError("secret internals: password=hunter2")


async def lose_database(request: http.Request) -> http.Response:
    """Fail the way an unreachable database fails."""
    raise ConnectionRefusedError("connect call failed")


async def refuse(request: http.Request) -> http.Response:
    """Fail with a domain error."""
    raise errors.RateLimitedError(42, "slow down")


create = http.lambda_handler(create_thing, status=201)
THING = str(uuid.uuid4())


def test_a_valid_request_reaches_the_endpoint_parsed() -> None:
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, query="tag=a&tag=b&limit=5",
                   json_body={"name": "kayak", "count": 2})
    assert reply.status == 201
    assert reply.json() == {"id": THING, "name": "kayak", "count": 2, "tags": ["a", "b"], "limit": 5,
                            "ip": "127.0.0.1"}
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["x-request-id"]


def test_malformed_json_is_400() -> None:
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, body=b'{"name": ',
                   headers={"content-type": "application/json"})
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "bad_request"


def test_unknown_and_invalid_fields_are_422_with_their_location() -> None:
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, json_body={"name": "", "colour": "red"})
    assert reply.status == 422
    problem = reply.json()
    assert problem["code"] == "validation_error"
    assert sorted(error["loc"] for error in problem["errors"]) == [["body", "colour"], ["body", "name"]]
    assert all("input" not in error for error in problem["errors"])


def test_a_json_body_that_is_not_an_object_is_422() -> None:
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, json_body=["name"])
    assert reply.status == 422 and reply.json()["errors"][0]["loc"] == ["body"]


def test_invalid_query_and_path_parameters_are_422() -> None:
    reply = invoke(create, "POST", ROUTE, path={"thing_id": "not-a-uuid"}, query="limit=0&page=2",
                   json_body={"name": "kayak"})
    assert reply.status == 422
    locations = sorted(error["loc"] for error in reply.json()["errors"])
    assert locations == [["path", "thing_id"]]  # the path is checked first, then the query
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, query="limit=0&page=2", json_body={"name": "k"})
    assert sorted(error["loc"] for error in reply.json()["errors"]) == [["query", "limit"], ["query", "page"]]


def test_a_body_over_one_mebibyte_is_413() -> None:
    body = json.dumps({"name": "x" * (1024 * 1024)}).encode()
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, body=body,
                   headers={"content-type": "application/json"})
    assert reply.status == 413 and reply.json()["code"] == "payload_too_large"


def test_exactly_one_mebibyte_is_accepted_by_the_size_check() -> None:
    padding = 1024 * 1024 - len(b'{"name": "k", "count": 1}')
    body = b'{"name": "k", "count": 1}' + b" " * padding
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, body=body,
                   headers={"content-type": "application/json"})
    assert reply.status == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_json_is_415(content_type: str) -> None:
    reply = invoke(create, "POST", ROUTE, path={"thing_id": THING}, body=b"name=kayak",
                   headers={"content-type": content_type})
    assert reply.status == 415 and reply.json()["code"] == "unsupported_media_type"


def test_a_form_is_accepted_where_the_endpoint_allows_it() -> None:
    formed = http.lambda_handler(create_thing, status=201, accepts_form=True)
    reply = invoke(formed, "POST", ROUTE, path={"thing_id": THING}, body=b"name=kayak&count=3",
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert reply.status == 201 and reply.json()["count"] == 3


def test_an_unexpected_error_is_a_500_that_reveals_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    reply = invoke(http.lambda_handler(explode), "GET", "/v1/explode")
    assert reply.status == 500
    assert reply.json() == {"status": 500, "code": "internal_error", "title": "Internal server error",
                            "detail": "Something went wrong on our side"}
    assert b"hunter2" not in reply.body


def test_an_unreachable_dependency_is_503_with_retry_after() -> None:
    reply = invoke(http.lambda_handler(lose_database), "GET", "/v1/lost")
    assert reply.status == 503
    assert reply.json()["code"] == "unavailable"
    assert reply.headers["retry-after"] == "5"


def test_domain_errors_keep_their_status_code_and_headers() -> None:
    reply = invoke(http.lambda_handler(refuse), "GET", "/v1/refuse")
    assert reply.status == 429
    assert reply.headers["retry-after"] == "42"
    assert reply.json() == {"status": 429, "code": "rate_limited", "title": "Too many requests", "detail": "slow down"}


def test_metrics_use_the_route_template_never_the_raw_path() -> None:
    before = metrics.REGISTRY.get_sample_value(
        "tourbook_http_requests_total",
        {"function": "create_thing", "route": ROUTE, "method": "POST", "status": "201"},
    ) or 0.0
    invoke(create, "POST", ROUTE, path={"thing_id": THING}, json_body={"name": "kayak"})
    after = metrics.REGISTRY.get_sample_value(
        "tourbook_http_requests_total",
        {"function": "create_thing", "route": ROUTE, "method": "POST", "status": "201"},
    )
    assert after == before + 1
    exposed = metrics.generate_latest(metrics.REGISTRY).decode()
    assert THING not in exposed


def test_every_request_logs_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    invoke(create, "POST", ROUTE, path={"thing_id": THING}, json_body={"name": "kayak"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"tourbook.access"' in line]
    assert len(lines) == 1
    assert lines[0] | {"duration_ms": 0, "request_id": ""} == {
        "level": "info", "logger": "tourbook.access", "msg": "request", "request_id": "", "function": "create_thing",
        "route": ROUTE, "method": "POST", "status": 201, "duration_ms": 0, "cold_start": lines[0]["cold_start"],
        "user_id": None,
    }
