"""API Gateway's `$default` route: a request no route matches gets a problem, as every other error does."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from shared.core import errors, http

DOCUMENT = Path(__file__).with_name("openapi.json")  # the routes, as get_openapi serves them
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
NOT_OPERATIONS = ("$default",)  # for the OpenAPI document: not an operation of the API


async def not_found(request: http.Request) -> http.Response:
    """Answer 404, or 405 with `Allow` when the path exists with other methods."""
    path = _route_path(request)
    allowed = [method for pattern, methods in _routes() if pattern.fullmatch(path) for method in methods]
    if allowed:
        raise errors.MethodNotAllowedError(sorted(set(allowed)), f"{request.method} is not allowed on {path}")
    raise errors.NotFoundError(f"No route for {request.method} {path}")


handler = http.lambda_handler(not_found)


def _route_path(request: http.Request) -> str:
    """The path without the stage: behind a named stage API Gateway keeps it in front of rawPath."""
    path = str(request.event.get("rawPath") or request.url.path)
    stage = str(request.event.get("requestContext", {}).get("stage", "$default"))
    prefix = f"/{stage}"
    return path.removeprefix(prefix) if stage != "$default" and path.startswith(prefix + "/") else path


@functools.cache
def _routes() -> list[tuple[re.Pattern[str], list[str]]]:
    """Each documented path as a pattern (a `{name}` is one segment) and its methods; HEAD wherever GET is."""
    routes = []
    for path, operations in json.loads(DOCUMENT.read_bytes())["paths"].items():
        methods = [method.upper() for method in operations if method in METHODS]
        if "GET" in methods:
            methods.append("HEAD")
        pattern = "".join(r"[^/]+" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"(\{[^}]+\})", path))
        routes.append((re.compile(pattern), methods))
    return routes
