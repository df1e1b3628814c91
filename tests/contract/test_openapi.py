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

from functions.docs import get_docs
from functions.system import get_openapi
from local_gateway import events, openapi
from local_gateway import template as sam
from shared.core.http import FunctionHandler
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


def test_every_template_route_and_nothing_else(document: dict[str, Any]) -> None:
    assert sorted(_operations(document)) == sorted(route.route_key for _, route in TEMPLATE.routes)


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for operation in _operations(document).values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("route_key", sorted(route.route_key for _, route in TEMPLATE.routes))
def test_each_operation_says_what_its_handler_does(route_key: str, document: dict[str, Any]) -> None:
    function = next(function for function, route in TEMPLATE.routes if route.route_key == route_key)
    handler = getattr(importlib.import_module(function.module), function.attribute)
    assert isinstance(handler, FunctionHandler)
    spec = handler.spec
    operation = _operations(document)[route_key]
    assert operation["summary"] == spec.summary
    assert str(spec.status) in operation["responses"]
    assert ("security" in operation) == (spec.auth is not None)
    assert ("401" in operation["responses"]) == (spec.auth is not None)
    assert ("requestBody" in operation) == (spec.body is not None)
    path_names = re.findall(r"\{([^}+]+)\+?\}", route_key)
    parameters = operation.get("parameters", [])
    assert [p["name"] for p in parameters if p["in"] == "path"] == path_names
    assert [p["name"] for p in parameters if p["in"] == "query"] == list(spec.query.model_fields if spec.query else [])
    for status, response in operation["responses"].items():
        if status == "default" or int(status) >= 400:
            assert list(response["content"]) == ["application/problem+json"]


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
