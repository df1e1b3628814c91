"""A real HTTP server on 127.0.0.1 that plays a webhook receiver: records every POST, answers as told."""
from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.servers import QuietHandler, serving


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Webhook:
    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in order; 200 once they run out

    def answer_next(self, *statuses: int) -> None:
        self.statuses.extend(statuses)

    def for_event(self, event_id: str) -> list[Received]:
        return [request for request in self.received if request.headers.get("x-tourbook-event-id") == event_id]


@contextmanager
def webhook_server() -> Iterator[Webhook]:
    lock = threading.Lock()
    webhook = Webhook(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                webhook.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                status = webhook.statuses.pop(0) if webhook.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

    with serving(Handler) as url:
        webhook.url = f"{url}/hooks/tourbook"
        yield webhook


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a receiver computes (written out here, not borrowed from the code under test)."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
