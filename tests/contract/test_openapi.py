"""functions/system/openapi.json matches the template and the handlers, is valid OpenAPI 3.1, and is served."""
from __future__ import annotations

import asyncio
import gzip
import importlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from swagger_ui_bundle import swagger_ui_path

from functions.auth import register_user
from functions.bookings import create_booking
from functions.docs import get_docs
from functions.system import get_openapi
from functions.tours import list_tours
from local_gateway import events, openapi
from local_gateway import template as sam
from shared.core.http import FunctionHandler
from shared.users import access
from tests.support.invoke import LambdaContext, invoke

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = sam.load(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(openapi.OUTPUT.read_text(encoding="utf-8"))
    return loaded


def _call(handler: Any, event: dict[str, Any]) -> events.Result:
    """A cold execution environment: a thread with its own event loop."""
    with ThreadPoolExecutor(1, initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop())) as pool:
        return events.read_result(pool.submit(handler, event, LambdaContext()).result())


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items() for method, operation in item.items()
    }


def test_the_file_is_a_fresh_generation() -> None:
    assert openapi.OUTPUT.read_text(encoding="utf-8") == openapi.render(openapi.build()), (
        "functions/system/openapi.json is stale: run `python -m local_gateway.openapi` (make openapi)"
    )


def test_it_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document)


def _api_routes() -> list[tuple[sam.Function, sam.HttpRoute]]:
    """The template's routes but the files a function serves beside its operation (Swagger UI's)."""
    return [
        (function, route) for function, route in TEMPLATE.routes
        if route.route_key not in getattr(importlib.import_module(function.module), "NOT_OPERATIONS", ())
    ]


def test_every_template_route_and_nothing_else(document: dict[str, Any]) -> None:
    assert sorted(_operations(document)) == sorted(route.route_key for _, route in _api_routes())
    assert "/v1/docs/{asset}" not in document["paths"] and "/v1/docs" in document["paths"]


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for operation in _operations(document).values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("route_key", sorted(route.route_key for _, route in _api_routes()))
def test_each_operation_says_what_its_handler_does(route_key: str, document: dict[str, Any]) -> None:
    function = next(function for function, route in TEMPLATE.routes if route.route_key == route_key)
    handler = getattr(importlib.import_module(function.module), function.attribute)
    assert isinstance(handler, FunctionHandler)
    spec = handler.spec
    operation = _operations(document)[route_key]
    responses = operation["responses"]
    assert operation["summary"] == spec.summary
    assert str(spec.status) in responses
    assert ("security" in operation) == (spec.auth is not None)
    assert ("401" in responses) == (spec.auth is not None or any(error.status == 401 for error in spec.errors))
    assert ("403" in responses) >= (spec.auth is access.admin)
    assert ("requestBody" in operation) == (spec.body is not None)
    path_names = re.findall(r"\{([^}+]+)\+?\}", route_key)
    parameters = [_deref(document, parameter) for parameter in operation.get("parameters", [])]
    assert [p["name"] for p in parameters if p["in"] == "path"] == path_names
    assert [p["name"] for p in parameters if p["in"] == "query"] == list(spec.query.model_fields if spec.query else [])
    assert [p["name"] for p in parameters if p["in"] == "header"] == (["Idempotency-Key"] if spec.idempotent else [])
    for error in spec.errors:  # what the handler declares, each under its status with its code
        problem = responses[str(error.status)]["content"]["application/problem+json"]
        assert error.code in problem["schema"]["properties"]["code"]["enum"]
        assert _deref(document, problem["examples"][error.code])["value"]["code"] == error.code
    assert {"500", "503"} <= set(responses) and "default" not in responses
    for status, response in responses.items():
        assert "X-Request-Id" in response["headers"], status
        if int(status) >= 400:
            assert "application/problem+json" in response["content"], status
            assert set(response["content"]) == {"application/problem+json"} or int(status) in _module_others(function)
        if status in ("429", "503"):
            assert "Retry-After" in response["headers"]
        if spec.idempotent and status in ("200", "201", "402", "409"):
            assert "Idempotent-Replayed" in response["headers"]


def _module_others(function: sam.Function) -> dict[int, str]:
    return dict(getattr(importlib.import_module(function.module), "OTHER_RESPONSES", {}))


def _deref(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node.get("$ref"), str):
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_every_problem_example_is_a_valid_problem_of_its_response(document: dict[str, Any]) -> None:
    checked = 0
    for route_key, operation in _operations(document).items():
        for status, response in operation["responses"].items():
            problem = response.get("content", {}).get("application/problem+json")
            if problem is None:
                continue
            validator = _validator(document, problem["schema"])
            assert set(problem["examples"]) == set(problem["schema"]["properties"]["code"]["enum"])
            for reference in problem["examples"].values():
                example = _deref(document, reference)
                assert example["value"]["status"] == int(status)
                assert not list(validator.iter_errors(example["value"])), (route_key, status, example)
                checked += 1
    assert checked > 100


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    return Draft202012Validator({**schema, "components": document["components"]},
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_adapters_problems_match_the_document(document: dict[str, Any]) -> None:
    """Bodies the code really sends (not the examples) satisfy each response's schema and pinned codes."""
    operations = _operations(document)
    cases = [
        ("POST /v1/bookings", invoke(create_booking.handler, "POST", "/v1/bookings", json_body={}), 401),
        ("GET /v1/tours", invoke(list_tours.handler, "GET", "/v1/tours", query={"limit": "0"}), 422),
        ("POST /v1/auth/register", invoke(register_user.handler, "POST", "/v1/auth/register", body=b"{",
                                          headers={"content-type": "application/json"}), 400),
    ]
    for route_key, reply, status in cases:
        assert reply.status == status, reply.body
        assert reply.headers["content-type"] == "application/problem+json"
        response = operations[route_key]["responses"][str(status)]
        validator = _validator(document, response["content"]["application/problem+json"]["schema"])
        assert not list(validator.iter_errors(reply.json())), reply.json()
        assert reply.headers["x-request-id"] == reply.json()["request_id"]


def test_component_schemas_have_distinct_titles(document: dict[str, Any]) -> None:
    titles = [schema.get("title", name) for name, schema in document["components"]["schemas"].items()]
    assert len(titles) == len(set(titles))


def test_updates_never_claim_null_is_allowed(document: dict[str, Any]) -> None:
    """PATCH bodies refuse null (422): their schemas say a field may be left out, not sent as null."""
    patched = 0
    for route_key, operation in _operations(document).items():
        if not route_key.startswith("PATCH "):
            continue
        body = _deref(document, operation["requestBody"]["content"]["application/json"]["schema"])
        if body.get("title") == "TicketUpdate":  # takes null as "not sent": the schema says so
            continue
        patched += 1
        assert "null" not in json.dumps(body), (route_key, body)
    assert patched >= 4


def test_email_fields_say_so(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for model in ("RegisterIn", "LoginIn", "UserOut"):
        assert schemas[model]["properties"]["email"]["format"] == "email", model


def test_cross_field_rules_are_written_down(document: dict[str, Any]) -> None:
    operations = _operations(document)
    assert "`date_from` must not be after `date_to`" in operations["GET /v1/tours"]["description"]
    assert "`min_price` above `max_price`" in operations["GET /v1/tours"]["description"]
    assert "`date_from`" in operations["GET /v1/tours/{tour_id}/departures"]["description"]
    schemas = document["components"]["schemas"]
    assert "`travellers`" in schemas["BookingCreate"]["description"]
    assert "`current_password`" in schemas["UserUpdate"]["description"]


def test_the_password_flow_logs_in_where_the_template_says(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/v1/auth/login"
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    login = _operations(document)["POST /v1/auth/login"]
    assert "application/x-www-form-urlencoded" in login["requestBody"]["content"]


def test_the_function_serves_the_file_with_cache_headers() -> None:
    reply = invoke(get_openapi.handler, "GET", "/v1/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert "max-age" in reply.headers["cache-control"]
    assert reply.body == openapi.OUTPUT.read_bytes()
    again = invoke(get_openapi.handler, "GET", "/v1/openapi.json", headers={"if-none-match": reply.headers["etag"]})
    assert (again.status, again.body) == (304, b"")


def test_behind_a_named_stage_the_links_carry_its_prefix() -> None:
    event = events.http_event("GET", "/prod/v1/openapi.json", route_key="GET /v1/openapi.json", stage="prod")
    served = json.loads(_call(get_openapi.handler, event).body)
    assert served["servers"] == [{"url": "/prod"}]
    assert served["components"]["securitySchemes"]["OAuth2Password"]["flows"]["password"]["tokenUrl"] == (
        "/prod/v1/auth/login"
    )
    event = events.http_event("GET", "/prod/v1/docs", route_key="GET /v1/docs", stage="prod")
    page = _call(get_docs.handler, event).body.decode()
    assert '"/prod/v1/openapi.json"' in page and 'href="/prod/v1/docs/swagger-ui.css"' in page


def test_the_docs_page_loads_swagger_ui_from_this_function_only() -> None:
    reply = invoke(get_docs.handler, "GET", "/v1/docs")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    page = reply.body.decode()
    assert '"/v1/openapi.json"' in page
    loaded = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert loaded and all(url.startswith("/v1/docs/") for url in loaded)
    for url in loaded:
        asset = url.removeprefix("/v1/docs/")
        served = invoke(get_docs.handler, "GET", "/v1/docs/{asset}", path={"asset": asset})
        assert served.status == 200, url
        assert served.headers["content-type"].partition(";")[0] == get_docs.ASSETS[asset].partition(";")[0]
        assert served.body == (Path(str(swagger_ui_path)) / asset).read_bytes()


def test_swagger_ui_can_render_openapi_3_1() -> None:
    major = int(Path(str(swagger_ui_path)).name.removeprefix("swagger-ui-").split(".")[0])
    assert major >= 5, "Swagger UI 4 and older refuse `openapi: 3.1.x` documents"


def test_scripts_and_styles_are_gzipped_for_clients_that_accept_it() -> None:
    reply = invoke(get_docs.handler, "GET", "/v1/docs/{asset}", path={"asset": "swagger-ui-bundle.js"},
                   headers={"accept-encoding": "gzip, deflate, br"})
    assert reply.headers["content-encoding"] == "gzip"
    assert gzip.decompress(reply.body) == (Path(str(swagger_ui_path)) / "swagger-ui-bundle.js").read_bytes()


@pytest.mark.parametrize("asset", ["../openapi.json", "..%2Fget_docs.py", "index.html", "swagger-ui.js.map",
                                   "oauth2-redirect.html", "%2Fetc%2Fpasswd"])
def test_only_whitelisted_files_are_served(asset: str) -> None:
    reply = invoke(get_docs.handler, "GET", "/v1/docs/{asset}", path={"asset": asset})
    assert reply.status == 404
    assert reply.json()["code"] == "not_found"
