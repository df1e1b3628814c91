"""The adapter's contract, with endpoints that touch nothing but the request."""
from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

import pydantic
import pytest
from pydantic import Field

from shared.core import errors, http, metrics
from shared.core.schemas import Input
from tests.support.invoke import Reply, invoke

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
    assert reply.json() == {"type": "https://tourbook.dev/problems/internal_error", "status": 500,
                            "code": "internal_error", "title": "Internal server error",
                            "detail": "Something went wrong on our side", "instance": "/v1/explode",
                            "request_id": reply.headers["x-request-id"]}
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
    assert reply.json() == {"type": "https://tourbook.dev/problems/rate_limited", "status": 429, "code": "rate_limited",
                            "title": "Too many requests", "detail": "slow down", "instance": "/v1/refuse",
                            "request_id": reply.headers["x-request-id"]}


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


def test_the_access_line_also_reaches_a_handler_someone_added(capsys: pytest.CaptureFixture[str]) -> None:
    records: list[logging.LogRecord] = []
    added = _Recording(records)
    logging.getLogger("tourbook.access").addHandler(added)
    try:
        invoke(create, "POST", ROUTE, path={"thing_id": THING}, json_body={"name": "kayak"})
    finally:
        logging.getLogger("tourbook.access").removeHandler(added)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"tourbook.access"' in line]
    assert [(line["function"], line["status"]) for line in lines] == [("create_thing", 201)]
    assert [(record.getMessage(), record.__dict__["function"], record.__dict__["status"]) for record in records] == [
        ("request", "create_thing", 201)]


class _Recording(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class MeasureIn(Input):
    label: str = Field(max_length=100)
    amount: int = 0
    ratio: float = 0.0
    shared: bool = False
    on: dt.date | None = None
    at: dt.datetime | None = None
    ref: uuid.UUID | None = None
    notes: list[str] = []


class MeasureQuery(Input):
    amount: int = 0
    shared: bool = False
    word: str = ""


async def measure(request: http.Request, slug: str, body: MeasureIn, query: MeasureQuery) -> http.Response:
    """Echo a body and a query of every kind of field."""
    return http.json({"slug": slug, "body": body.model_dump(mode="json"), "query": query.model_dump()}, status=201)


measured = http.lambda_handler(measure, status=201, accepts_form=True)
MEASURE = "/v1/measures/{slug}"


def _measure(*, slug: str = "mine", query: str = "", **options: Any) -> Reply:
    if "body" not in options and "json_body" not in options:
        options["json_body"] = {"label": "ok"}
    return invoke(measured, "POST", MEASURE, path={"slug": slug}, query=query, **options)


def _problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = reply.json()
    assert problem["code"] == code
    return problem


def test_every_problem_names_its_type_its_request_and_its_path() -> None:
    reply = _measure(slug="one", json_body={"label": 5})
    problem = _problem(reply, 422, "validation_error")
    assert problem["type"] == "https://tourbook.dev/problems/validation_error"
    assert problem["instance"] == "/v1/measures/one"
    assert problem["request_id"] == reply.headers["x-request-id"]


@pytest.mark.parametrize("body", [b'{"label": "caf\xe9"}', b'{"label": "\xff\xfe"}', b"\xef\xbb\xbf{}"])
def test_a_json_body_that_is_not_utf8_is_400(body: bytes) -> None:
    _problem(_measure(body=body, headers={"content-type": "application/json"}), 400, "bad_request")


@pytest.mark.parametrize("body", [b"label=caf\xe9", b"label=caf%E9", b"label=%ED%A0%80"])
def test_a_form_body_that_is_not_utf8_is_400(body: bytes) -> None:
    reply = _measure(body=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert _problem(reply, 400, "bad_request")["detail"] == "The body is not valid UTF-8"


def test_a_query_that_is_not_utf8_is_400_and_one_that_is_reads_as_sent() -> None:
    assert _problem(_measure(query="word=caf%E9"), 400, "bad_request")["detail"] == "The query is not valid UTF-8"
    assert _measure(query="word=caf%C3%A9").json()["query"]["word"] == "café"
    assert _measure(query="word=café").json()["query"]["word"] == "café"  # unencoded, as some clients send it


@pytest.mark.parametrize(("where", "options"), [
    (["path", "slug"], {"slug": "a\x00b"}),
    (["query", "word"], {"query": "word=a%00b"}),
    (["body", "label"], {"json_body": {"label": "a\x00b"}}),
    (["body", "notes"], {"json_body": {"label": "ok", "notes": ["fine", "\x00"]}}),
    (["body", "label"], {"body": b"label=a%00b", "headers": {"content-type": "application/x-www-form-urlencoded"}}),
])
def test_nul_in_any_text_is_422_where_it_was_sent(where: list[str], options: dict[str, Any]) -> None:
    problem = _problem(_measure(**options), 422, "validation_error")
    assert problem["errors"] == [{"loc": where, "msg": "Text must not contain NUL characters", "type": "string_nul"}]


def test_an_escaped_backslash_before_u0000_is_no_nul() -> None:
    reply = _measure(body=b'{"label": "a\\\\u0000"}', headers={"content-type": "application/json"})
    assert reply.status == 201 and reply.json()["body"]["label"] == "a\\u0000"


@pytest.mark.parametrize(("options", "where"), [
    ({"json_body": {"label": "big", "amount": 2**31}}, ["body", "amount"]),
    ({"json_body": {"label": "small", "amount": -(2**31) - 1}}, ["body", "amount"]),
    ({"query": "amount=2147483648"}, ["query", "amount"]),
    ({"query": "amount=" + "9" * 4000}, ["query", "amount"]),
])
def test_integers_postgresql_cannot_store_are_422(options: dict[str, Any], where: list[str]) -> None:
    problem = _problem(_measure(**options), 422, "validation_error")
    assert [error["loc"] for error in problem["errors"]] == [where]


def test_the_largest_integers_postgresql_stores_are_accepted() -> None:
    reply = _measure(json_body={"label": "edge", "amount": 2**31 - 1}, query=f"amount={-(2**31)}")
    assert reply.status == 201
    assert (reply.json()["body"]["amount"], reply.json()["query"]["amount"]) == (2**31 - 1, -(2**31))


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"NaN", b"Infinity"])
def test_numbers_beyond_a_float_are_422_or_400(number: bytes) -> None:
    reply = _measure(body=b'{"label": "x", "ratio": ' + number + b"}", headers={"content-type": "application/json"})
    assert reply.status in (400, 422), reply.body
    assert reply.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("field", "value"), [
    ("amount", True), ("amount", "250"), ("amount", 2.5), ("ratio", "0.5"), ("shared", 0), ("shared", "true"),
    ("label", 5), ("notes", "one"), ("on", 20260101), ("ref", 1),
])
def test_json_bodies_are_read_strictly(field: str, value: Any) -> None:
    problem = _problem(_measure(json_body={"label": "x", field: value}), 422, "validation_error")
    assert [error["loc"] for error in problem["errors"]] == [["body", field]]


def test_dates_moments_and_ids_still_come_as_strings_in_json() -> None:
    ref = str(uuid.uuid4())
    reply = _measure(json_body={"label": "x", "amount": 3, "ratio": 1, "shared": True, "on": "2026-11-22",
                                "at": "2026-11-22T18:59:12Z", "ref": ref})
    assert reply.status == 201, reply.body
    assert reply.json()["body"] | {"label": "x"} == {
        "label": "x", "amount": 3, "ratio": 1.0, "shared": True, "on": "2026-11-22", "at": "2026-11-22T18:59:12Z",
        "ref": ref, "notes": [],
    }


def test_queries_and_forms_are_text_that_is_parsed() -> None:
    assert _measure(query="amount=2&shared=true").json()["query"] == {"amount": 2, "shared": True, "word": ""}
    reply = _measure(body=b"label=x&amount=7", headers={"content-type": "application/x-www-form-urlencoded"})
    assert reply.status == 201 and reply.json()["body"]["amount"] == 7


def test_a_repeated_query_key_for_a_single_value_is_422() -> None:
    problem = _problem(_measure(query="amount=1&amount=2"), 422, "validation_error")
    assert [error["loc"] for error in problem["errors"]] == [["query", "amount"]]


def test_a_user_agent_with_nul_is_recorded_without_it() -> None:
    async def agent(request: http.Request) -> http.Response:
        """Echo the user agent."""
        return http.json({"user_agent": request.user_agent})

    reply = invoke(http.lambda_handler(agent), "GET", "/v1/agent", headers={"user-agent": "curl\x00/8"})
    assert reply.json() == {"user_agent": "curl/8"}


class Loose(pydantic.BaseModel):
    name: str


async def loose(request: http.Request, body: Loose) -> http.Response:
    """Take a body outside the rules."""
    return http.no_content()


def test_an_endpoint_whose_body_is_not_an_input_model_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="body must be a shared.core.schemas.Input model"):
        http.lambda_handler(loose)


@pytest.mark.parametrize("value", ["\n", "a\nb", "\r\n"])
def test_a_path_parameter_with_a_line_break_reaches_the_validation(value: str) -> None:
    # The function's own router once matched paths with `.*`, which stops at a newline: 404 text/plain.
    reply = invoke(create, "POST", ROUTE, path={"thing_id": value}, json_body={"name": "kayak"})
    assert [error["loc"] for error in _problem(reply, 422, "validation_error")["errors"]] == [["path", "thing_id"]]


def test_a_body_of_countless_unknown_fields_lists_the_first_fifty() -> None:
    body = "{" + ",".join(f'"field{index}": 0' for index in range(60_000)) + "}"
    reply = _measure(body=body.encode(), headers={"content-type": "application/json"})
    problem = _problem(reply, 422, "validation_error")
    assert len(problem["errors"]) == 50 and problem["detail"] == "60001 fields are invalid; the first 50 are listed"
    assert len(reply.body) < 10_000  # it was ~8 MB for a 1 MiB body: more than a Lambda function may answer
