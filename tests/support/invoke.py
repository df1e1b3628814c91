"""Call a function as Lambda does: the synchronous handler, an API Gateway v2 event, one warm thread."""
from __future__ import annotations

import asyncio
import base64
import json
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from collections.abc import Coroutine
from typing import Any, TypeVar

from local_gateway import events


T = TypeVar("T")


def _new_loop() -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())


# One execution environment for the whole run: its loop (and its engine and clients) stay warm.
_environment = ThreadPoolExecutor(max_workers=1, initializer=_new_loop, thread_name_prefix="lambda")


def run_in_environment(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the warm environment's loop (its engine and cache), e.g. to set data up."""
    return _environment.submit(lambda: asyncio.get_event_loop().run_until_complete(coroutine)).result()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 256
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _is_text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def invoke(
    handler: Any,
    method: str,
    route: str,
    *,
    path: dict[str, str] | None = None,
    query: dict[str, str] | str = "",
    json_body: Any = None,
    body: bytes = b"",
    token: str | None = None,
    headers: dict[str, str] | None = None,
    cold: bool = False,
) -> Reply:
    """`route` is the template path (`/v1/tours/{tour_id}`); `path` fills its parameters.

    `cold=True` runs in a new execution environment, which reads the settings anew.
    """
    raw_path = route
    for name, value in (path or {}).items():
        raw_path = raw_path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    all_headers = {"user-agent": "pytest", **(headers or {})}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.setdefault("content-type", "application/json")
    if token:
        all_headers["authorization"] = f"Bearer {token}"
    event = events.http_event(
        method, raw_path, route_key=f"{method} {route}", path_parameters=path,
        raw_query_string=query if isinstance(query, str) else urllib.parse.urlencode(query),
        headers=list(all_headers.items()), body=body if _is_text(body) else b"",
    )
    if not _is_text(body):  # bytes that are not UTF-8 reach the function base64-encoded, whatever their type
        event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    if cold:
        with ThreadPoolExecutor(max_workers=1, initializer=_new_loop) as environment:
            raw = environment.submit(handler, event, LambdaContext()).result()
    else:
        raw = _environment.submit(handler, event, LambdaContext()).result()
    result = events.read_result(raw)
    return Reply(result.status, dict(result.headers), result.body)
