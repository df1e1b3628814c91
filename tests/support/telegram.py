"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that answers `sendMessage` as Telegram does.

Chats are reachable unless marked: `block(chat_id)` answers 403 "Forbidden: bot was blocked by the user",
`forget(chat_id)` answers 400 "Bad Request: chat not found", `fail_next(n)` answers 500 n times (an outage).
Every request is recorded with the bot token from its path.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.servers import QuietHandler, serving


@dataclass(frozen=True)
class Sent:
    token: str
    method: str
    body: dict[str, Any]


@dataclass
class BotApi:
    url: str
    sent: list[Sent] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    failures: int = 0

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    def forget(self, chat_id: int) -> None:
        self.deleted.add(chat_id)

    def fail_next(self, times: int) -> None:
        self.failures += times

    def messages_to(self, chat_id: int) -> list[str]:
        return [str(sent.body["text"]) for sent in self.sent if sent.body.get("chat_id") == chat_id]

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        bot, _, method = path.strip("/").partition("/")
        if not bot.startswith("bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        self.sent.append(Sent(token=bot.removeprefix("bot"), method=method, body=body))
        chat_id = body.get("chat_id")
        if self.failures:
            self.failures -= 1
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if method != "sendMessage" or not isinstance(chat_id, int) or not body.get("text"):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        if chat_id in self.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if chat_id in self.deleted:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        return 200, {"ok": True, "result": {"message_id": len(self.sent), "chat": {"id": chat_id},
                                            "text": body["text"]}}


@contextmanager
def bot_api() -> Iterator[BotApi]:
    lock = threading.Lock()
    api = BotApi(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            with lock:
                status, answer = api.answer(self.path, body if isinstance(body, dict) else {})
            encoded = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

    with serving(Handler) as api.url:
        yield api
