"""A pruning run keeps to its budget, however slow the Pushgateway is (a fake one on a local socket)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.core import pushgateway

STALE = [{"labels": {"job": "tourbook", "instance": f"env-{index}"},
          "push_time_seconds": {"metrics": [{"value": "1000"}]}} for index in range(50)]


class SlowPushgateway(BaseHTTPRequestHandler):
    """Lists 50 stale groups; each DELETE takes 50 ms, as a Pushgateway busy with pushes may."""

    protocol_version = "HTTP/1.1"  # kept-alive connections, like the real one
    deleted: list[str] = []
    connections: set[int] = set()

    def do_GET(self) -> None:
        self._answer(200, json.dumps({"status": "success", "data": STALE}).encode())

    def do_DELETE(self) -> None:
        time.sleep(0.05)
        self.deleted.append(self.path)
        self._answer(202, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.connections.add(self.client_address[1])
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def slow_pushgateway() -> Iterator[str]:
    SlowPushgateway.deleted, SlowPushgateway.connections = [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowPushgateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_run_stops_at_its_budget_and_the_next_run_goes_on(slow_pushgateway: str) -> None:
    first = pushgateway.prune(slow_pushgateway, job="tourbook", max_age_seconds=60, now=5000, budget_seconds=0.5)
    assert 3 <= first < 50  # stopped by its budget, and each call bounded (it was 5 s per call, and no budget)
    assert len(SlowPushgateway.deleted) == first
    assert len(SlowPushgateway.connections) == 1  # the list and every delete on one kept-alive connection


def test_a_run_whose_budget_is_spent_before_the_list_is_read_deletes_nothing(slow_pushgateway: str) -> None:
    with pytest.raises(TimeoutError):
        pushgateway.prune(slow_pushgateway, job="tourbook", max_age_seconds=60, now=5000, budget_seconds=0)
    assert SlowPushgateway.deleted == []


def test_only_groups_older_than_the_limit_are_deleted(slow_pushgateway: str) -> None:
    assert pushgateway.prune(slow_pushgateway, job="tourbook", max_age_seconds=60, now=1030) == 0
    assert pushgateway.prune(slow_pushgateway, job="other", max_age_seconds=60, now=5000) == 0
    assert SlowPushgateway.deleted == []
