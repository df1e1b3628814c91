"""Pruning the Pushgateway: groups of execution environments that stopped pushing are deleted.

A Lambda environment pushes under its own `instance`; when AWS retires it, its last counters would
stay in the Pushgateway for ever and haunt every sum. A scheduled job reads each group's
`push_time_seconds` and deletes the groups of our job that have been silent for too long.

The Pushgateway can only list its groups with every series they hold (`/api/v1/metrics`), so that
read grows with the store and slows down while the Pushgateway is busy with pushes (each one checks
the whole store): seconds, at a few hundred groups on a loaded machine. A run therefore has one
budget for everything, reads and deletes over one kept-alive connection, and stops when the budget
is spent; the next run deletes the rest.
"""
from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.parse
from dataclasses import dataclass
from types import TracebackType

from shared.core.metrics import grouping_path

logger = logging.getLogger("tourbook.metrics")


@dataclass(frozen=True)
class Group:
    labels: dict[str, str]
    pushed_at: float


class PushgatewayError(Exception):
    """The Pushgateway answered with an error status."""


class _Client:
    """One kept-alive HTTP connection to the Pushgateway; each call gets what is left of the run's time."""

    def __init__(self, url: str, deadline: float) -> None:
        parsed = urllib.parse.urlsplit(url)
        cls = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
        self.prefix = parsed.path.rstrip("/")
        self.deadline = deadline
        self.conn = cls(parsed.hostname or "127.0.0.1", parsed.port, timeout=self.remaining())

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the pruning budget is spent")
        return left

    def request(self, method: str, path: str) -> bytes:
        self.conn.timeout = self.remaining()
        if self.conn.sock is not None:
            self.conn.sock.settimeout(self.conn.timeout)
        self.conn.request(method, self.prefix + path)
        response = self.conn.getresponse()
        body = response.read()
        if not 200 <= response.status < 300:
            raise PushgatewayError(f"{method} {path}: {response.status} {body[:200].decode(errors='replace')}")
        return body

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.conn.close()


def groups(url: str, *, timeout: float = 5.0) -> list[Group]:
    """Every group the Pushgateway holds, with the time of its last successful push."""
    with _Client(url, time.monotonic() + timeout) as client:
        return _groups(client)


def _groups(client: _Client) -> list[Group]:
    found = []
    for group in json.loads(client.request("GET", "/api/v1/metrics"))["data"]:
        samples = group.get("push_time_seconds", {}).get("metrics", [])
        pushed_at = float(samples[0]["value"]) if samples else 0.0
        found.append(Group(labels=dict(group["labels"]), pushed_at=pushed_at))
    return found


def prune(url: str, *, job: str, max_age_seconds: float, now: float | None = None,
          budget_seconds: float = 7.0) -> int:
    """Delete this job's groups whose last push is older than `max_age_seconds`, within `budget_seconds`
    (the read included); how many were deleted. Groups left when the budget is spent wait for the next run."""
    now = time.time() if now is None else now
    deleted = 0
    with _Client(url, time.monotonic() + budget_seconds) as client:
        stale = [group for group in _groups(client)
                 if group.labels.get("job") == job and now - group.pushed_at > max_age_seconds]
        for group in stale:
            labels = {name: value for name, value in group.labels.items() if name != "job"}
            try:
                client.request("DELETE", grouping_path(job, labels))
            except TimeoutError:
                logger.warning("pruning stopped at its budget: %d of %d stale groups deleted, the next run goes on",
                               deleted, len(stale))
                break
            deleted += 1
    return deleted
