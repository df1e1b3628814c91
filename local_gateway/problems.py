"""What the gateway answers itself: a problem like the functions' own (`AppError.problem`), and its request id."""
from __future__ import annotations

import os
from collections.abc import Iterable

import pydantic_core
from starlette.types import Scope, Send

from shared.core import errors


def request_id_of(scope: Scope) -> str:
    """The request's id: the event's `requestContext.requestId`, `X-Request-Id` and `apigw-requestid` of its answer."""
    request_id: str | None = scope.get("tourbook.gateway_request_id")
    if request_id is None:  # 32 random hex digits, as uuid4().hex (opaque, as API Gateway's), for a fifth of its time
        request_id = scope["tourbook.gateway_request_id"] = os.urandom(16).hex()
    return request_id


async def send_problem(scope: Scope, send: Send, error: errors.AppError,
                       headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = pydantic_core.to_json(error.problem(instance=scope["path"], request_id=request_id_of(scope)))
    start = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()), *headers]
    start += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": start})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
