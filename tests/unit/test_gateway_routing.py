"""Route matching and the gateway app, in both modes, against fake functions defined in this module."""
from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_gateway import routing, template as sam
from local_gateway.app import GatewayApp, create_app
from shared.core import http

# -- fake functions (the fake template's handlers point here) ------------------------------------------------


async def echo(request: http.Request) -> http.Response:
    """Say what the function received."""
    body = await request.body()
    event = request.event
    response = http.json({
        "method": request.method, "path": request.url.path, "route_key": event["routeKey"],
        "path_parameters": event.get("pathParameters"), "query": event.get("queryStringParameters"),
        "raw_query": event["rawQueryString"], "cookies": event.get("cookies"), "base64": event["isBase64Encoded"],
        "body_sha256": hashlib.sha256(body).hexdigest(), "source_ip": request.client_ip,
        "forwarded_for": request.headers.get("x-forwarded-for"), "url": str(request.url),
    })
    response.set_cookie("session", "abc", httponly=True)
    response.set_cookie("theme", "dark")
    return response


async def slow(request: http.Request) -> http.Response:
    """Take longer than the function's timeout (unless told how long to take)."""
    await asyncio.sleep(float(request.query_params.get("seconds", 1)))
    return http.no_content()


def plain_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A handler without Mangum: the raw v2 result shape."""
    return {"statusCode": 202, "headers": {"content-type": "text/plain"}, "body": context.function_name,
            "cookies": ["plain=1"]}


echo_handler = http.lambda_handler(echo)
slow_handler = http.lambda_handler(slow)

FAKE_TEMPLATE = """
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["https://app.example.com"]
        AllowMethods: [GET, POST]
        AllowHeaders: [authorization, content-type]
        ExposeHeaders: [x-request-id]
        MaxAge: 60
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_routing.echo_handler
      Events:
        Item: {Type: HttpApi, Properties: {Method: GET, Path: "/items/{item_id}"}}
        ItemHead: {Type: HttpApi, Properties: {Method: HEAD, Path: "/items/{item_id}"}}
        Create: {Type: HttpApi, Properties: {Method: POST, Path: /items}}
        Files: {Type: HttpApi, Properties: {Method: ANY, Path: "/files/{proxy+}"}}
  LatestFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_routing.plain_handler
      Events:
        Latest: {Type: HttpApi, Properties: {Method: GET, Path: /items/latest}}
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_routing.slow_handler
      Timeout: 0.2
      Events:
        Slow: {Type: HttpApi, Properties: {Method: GET, Path: /slow}}
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: no_such_module.handler
      Events:
        Broken: {Type: HttpApi, Properties: {Method: GET, Path: /broken}}
"""


@pytest.fixture(scope="module")
def fake_template(tmp_path_factory: pytest.TempPathFactory) -> sam.Template:
    path: Path = tmp_path_factory.mktemp("gateway") / "template.yaml"
    path.write_text(FAKE_TEMPLATE)
    return sam.load(path)


@pytest.fixture(params=["inprocess", "isolated"])
async def client(request: pytest.FixtureRequest, fake_template: sam.Template) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fake_template, mode=request.param, workers=2, schedules=False, queues=False)
    await app.background.start()
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 5000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client
    finally:
        await app.background.stop()


# -- the route table -----------------------------------------------------------------------------------------


def table(*keys: str) -> routing.RouteTable:
    function = sam.Function("F", "functions/", "f.handler", "functions.f", "handler")
    routes = []
    for key in keys:
        method, path = key.split(" ")
        routes.append((function, sam.HttpRoute(method, path, "E")))
    return routing.RouteTable(routes)


def test_the_most_specific_route_wins() -> None:
    routes = table("GET /items/{proxy+}", "GET /items/{item_id}", "GET /items/latest", "GET /items/{item_id}/tags")

    def key(path: str) -> str:
        found = routes.match("GET", path)
        assert found is not None
        return found.route.route_key

    assert key("/items/latest") == "GET /items/latest"
    assert key("/items/42") == "GET /items/{item_id}"
    assert key("/items/42/tags") == "GET /items/{item_id}/tags"
    assert key("/items/42/tags/x") == "GET /items/{proxy+}"


def test_a_path_goes_on_to_a_less_specific_route_that_has_its_method() -> None:
    routes = table("GET /items/{item_id}/tags", "POST /items/{proxy+}", "DELETE /items/{item_id}/{part}")

    posted = routes.match("POST", "/items/42/tags")
    deleted = routes.match("DELETE", "/items/42/tags")

    assert posted is not None and (posted.route.route_key, posted.path_parameters) == (
        "POST /items/{proxy+}", {"proxy": "42/tags"})
    assert deleted is not None and (deleted.route.route_key, deleted.path_parameters) == (
        "DELETE /items/{item_id}/{part}", {"item_id": "42", "part": "tags"})
    with pytest.raises(routing.MethodNotAllowed) as raised:
        routes.match("PUT", "/items/42/tags")
    assert raised.value.allowed == ["DELETE", "GET", "POST"]


def test_path_parameters_are_decoded_per_segment() -> None:
    routes = table("GET /items/{item_id}", "GET /files/{proxy+}")

    item = routes.match("GET", "/items/a%20b%2Fc")
    files = routes.match("GET", "/files/docs/read%20me.txt")

    assert item is not None and item.path_parameters == {"item_id": "a b/c"}
    assert files is not None and files.path_parameters == {"proxy": "docs/read me.txt"}


def test_no_path_is_none_and_a_wrong_method_lists_the_allowed_ones() -> None:
    routes = table("GET /items/{item_id}", "DELETE /items/{item_id}", "POST /items")

    assert routes.match("GET", "/nothing") is None
    assert routes.match("GET", "/items/1/2") is None
    with pytest.raises(routing.MethodNotAllowed) as raised:
        routes.match("PUT", "/items/1")
    assert raised.value.allowed == ["DELETE", "GET"]


def test_any_and_default_routes() -> None:
    routes = table("ANY /files", "ANY $default")

    files = routes.match("PATCH", "/files")
    fallback = routes.match("GET", "/whatever/else")

    assert files is not None and files.route.route_key == "ANY /files"
    assert fallback is not None and fallback.route.route_key == "$default"  # what API Gateway sends


def test_a_route_declared_twice_and_a_greedy_variable_in_the_middle_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        table("GET /items", "GET /items")
    with pytest.raises(ValueError, match="greedy"):
        table("GET /a/{proxy+}/b")


# -- the gateway app -----------------------------------------------------------------------------------------


async def test_the_function_receives_the_v2_event(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/a%20b?tag=x&tag=y&q=caf%C3%A9", headers={"cookie": "c1=1; c2=2"})

    assert response.status_code == 200
    seen = response.json()
    assert seen["route_key"] == "GET /items/{item_id}"
    assert seen["path"] == "/items/a b"
    assert seen["path_parameters"] == {"item_id": "a b"}
    assert seen["query"] == {"tag": "x,y", "q": "café"}
    assert seen["raw_query"] == "tag=x&tag=y&q=caf%C3%A9"
    assert seen["cookies"] == ["c1=1", "c2=2"]
    assert seen["source_ip"] == "10.0.0.7"
    assert seen["forwarded_for"] == "10.0.0.7"
    assert seen["url"].startswith("http://gateway.test/items/")  # not https: the gateway says how it was reached
    assert response.headers.get_list("set-cookie") == ["session=abc; HttpOnly; Path=/; SameSite=lax",
                                                       "theme=dark; Path=/; SameSite=lax"]
    assert response.headers["content-length"] == str(len(response.content))


async def test_a_binary_body_arrives_intact(client: httpx.AsyncClient) -> None:
    payload = bytes(range(256)) * 64

    response = await client.post("/items", content=payload, headers={"content-type": "application/octet-stream"})

    assert response.status_code == 200
    assert response.json()["base64"] is True
    assert response.json()["body_sha256"] == hashlib.sha256(payload).hexdigest()


async def test_greedy_routes_take_every_method_and_the_rest_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete("/files/a/b/c.txt")

    assert response.status_code == 200
    assert response.json()["path_parameters"] == {"proxy": "a/b/c.txt"}
    assert response.json()["route_key"] == "ANY /files/{proxy+}"


async def test_a_handler_without_mangum_gets_a_lambda_context(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/latest")

    assert (response.status_code, response.text) == (202, "LatestFunction")
    assert response.headers.get_list("set-cookie") == ["plain=1"]


async def test_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nowhere")  # an API path: page paths are the web app's

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://tourbook.dev/problems/not_found", "status": 404, "code": "not_found", "title": "Not found",
        "detail": "No route for GET /v1/nowhere", "instance": "/v1/nowhere",
        "request_id": response.headers["x-request-id"],
    }
    assert response.headers["apigw-requestid"] == response.headers["x-request-id"]


async def test_known_path_with_another_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.put("/items/1")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://tourbook.dev/problems/method_not_allowed", "status": 405, "code": "method_not_allowed",
        "title": "Method not allowed", "detail": "PUT is not allowed on /items/1", "instance": "/items/1",
        "request_id": response.headers["x-request-id"],
    }


async def test_head_is_answered_where_the_template_routes_it_like_the_get_without_a_body(
        client: httpx.AsyncClient) -> None:
    get = await client.get("/items/a")
    head = await client.head("/items/a")

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"]
    assert set(head.headers) == set(get.headers)  # the same headers; the echo's body says HEAD, so its length differs
    assert int(head.headers["content-length"]) > 0  # the length the GET-like answer had, not of the empty body
    assert head.headers["x-request-id"] != get.headers["x-request-id"]
    unrouted = await client.head("/slow")  # its GET has no HEAD twin in the template: as on AWS, 405
    assert (unrouted.status_code, unrouted.content, unrouted.headers["allow"]) == (405, b"", "GET")


async def test_a_path_that_does_not_decode_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/%FF%FE")

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "bad_request"
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_a_text_body_that_is_not_utf8_reaches_the_function_base64_encoded(client: httpx.AsyncClient) -> None:
    payload = b'{"name": "caf\xe9"}'  # latin-1: API Gateway cannot pass it as text

    response = await client.post("/items", content=payload, headers={"content-type": "application/json"})

    assert response.status_code == 200  # was a 500 text/plain from the gateway
    assert response.json()["base64"] is True
    assert response.json()["body_sha256"] == hashlib.sha256(payload).hexdigest()


async def test_every_answer_names_its_request(client: httpx.AsyncClient) -> None:
    answers = [
        await client.get("/items/a"), await client.get("/v1/nowhere"), await client.get("/metrics"),
        await client.get("/items/latest"), await client.get("/broken"),
        await client.options("/items/a", headers={"origin": "https://app.example.com",
                                                  "access-control-request-method": "GET"}),
    ]

    answers.append(await client.get("/items/a", headers={"origin": "https://app.example.com"}))

    assert all(response.headers.get_list("apigw-requestid") == response.headers.get_list("x-request-id")
               and len(response.headers.get_list("x-request-id")) == 1 for response in answers)
    assert len({response.headers["x-request-id"] for response in answers}) == len(answers)


async def test_a_function_that_cannot_import_or_times_out_is_a_500_problem(client: httpx.AsyncClient) -> None:
    broken = await client.get("/broken")
    slow = await client.get("/slow")

    for response in (broken, slow):
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"


async def test_each_invocation_runs_out_of_time_at_its_own_deadline(client: httpx.AsyncClient) -> None:
    """A function's invocations share one timer: the quick ones are not cut, each slow one is, whenever it began."""
    async def late(path: str) -> httpx.Response:
        await asyncio.sleep(0.1)
        return await client.get(path)

    answers = await asyncio.gather(client.get("/slow", params={"seconds": "0.05"}), client.get("/slow"),
                                   late("/slow"), late("/slow?seconds=0.01"), client.get("/items/a"))
    again = await asyncio.gather(client.get("/slow"), client.get("/slow", params={"seconds": "0"}))

    assert [answer.status_code for answer in answers + again] == [204, 500, 500, 204, 200, 500, 204]


async def test_cors_from_the_template(client: httpx.AsyncClient) -> None:
    preflight = await client.options("/items", headers={
        "origin": "https://app.example.com", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
    })
    simple = await client.get("/items/1", headers={"origin": "https://app.example.com"})
    foreign = await client.get("/items/1", headers={"origin": "https://evil.example.com"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert preflight.headers["access-control-max-age"] == "60"
    assert simple.headers["access-control-allow-origin"] == "https://app.example.com"
    assert simple.headers["access-control-expose-headers"] == "x-request-id"
    assert "access-control-allow-origin" not in foreign.headers


async def test_metrics_are_served_by_the_gateway(client: httpx.AsyncClient) -> None:
    await client.get("/items/7")

    response = await client.get("/metrics")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'tourbook_http_requests_total{function="echo",method="GET",route="/items/{item_id}",status="200"}' \
        in response.text


async def test_a_body_over_the_gateway_limit_is_refused(client: httpx.AsyncClient,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from local_gateway import app as gateway_app

    monkeypatch.setattr(gateway_app, "MAX_BODY_BYTES", 1024)

    response = await client.post("/items", content=b"x" * 1025, headers={"content-type": "text/plain"})

    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_the_app_is_built_from_the_environment(monkeypatch: pytest.MonkeyPatch, fake_template: sam.Template) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "isolated")
    monkeypatch.setenv("GATEWAY_WORKERS", "3")

    app = create_app(fake_template)

    assert isinstance(app, GatewayApp)
    assert app.gateway.runtime.mode == "isolated"
    assert len(getattr(app.gateway.runtime, "environments")) == 3
