"""The local mailbox (MAIL_BACKEND=local): `GET /_local/mail` lists captured e-mails newest first (JSON),
`GET /_local/mail/{id}` shows one as the recipient would see it (its HTML, with nothing it could load)."""
from __future__ import annotations

import json

from starlette.types import Receive, Scope, Send

from local_gateway.problems import send_problem
from shared.core import errors

PREFIX = "/_local/mail"
# The message's own styles and its inline images (data: URLs); no scripts, no requests anywhere.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def serves(scope: Scope) -> bool:
    path: str = scope["path"]
    return path == PREFIX or path.startswith(PREFIX + "/")


async def mailbox(scope: Scope, receive: Receive, send: Send) -> None:
    from shared.mail import captured

    if scope["method"] not in ("GET", "HEAD"):
        await send_problem(scope, send, errors.MethodNotAllowedError(["GET", "HEAD"]))
        return
    message_id = scope["path"][len(PREFIX):].strip("/")
    if not message_id:
        body = json.dumps({"items": captured.messages()}).encode()
        await _send(scope, send, body, b"application/json")
        return
    item = captured.message(message_id)
    if item is None:
        await send_problem(scope, send, errors.NotFoundError("No such captured e-mail"))
        return
    await _send(scope, send, str(item["html"]).encode(), b"text/html; charset=utf-8",
                [(b"content-security-policy", CSP.encode())])


async def _send(scope: Scope, send: Send, body: bytes, content_type: bytes,
                headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
        *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
