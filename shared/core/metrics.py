"""Prometheus metrics, pushed to a Pushgateway at most once per interval."""
from __future__ import annotations

import base64
import http.client
import logging
import os
import socket
import threading
import time
import urllib.parse
import uuid
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.exposition import generate_latest as generate_latest

from shared.core.settings import get_settings

logger = logging.getLogger("tourbook.metrics")

disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` series would double every push for nothing
REGISTRY = CollectorRegistry(auto_describe=False)
_HTTP_LABELS = ("function", "route", "method", "status")
_FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUESTS = Counter("tourbook_http_requests", "HTTP requests handled", _HTTP_LABELS, registry=REGISTRY)
ERRORS = Counter(
    "tourbook_http_errors", "HTTP requests answered with an error (4xx/5xx)", (*_HTTP_LABELS, "code"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "tourbook_http_request_duration_seconds", "Endpoint latency", ("function", "route", "method"),
    buckets=_FAST_BUCKETS, registry=REGISTRY,
)
INTEGRATION_LATENCY = Histogram(
    "tourbook_integration_duration_seconds", "Latency of calls to a database, cache or AWS service",
    ("function", "integration", "operation"), buckets=_FAST_BUCKETS, registry=REGISTRY,
)
OUTGOING = Counter(
    "tourbook_outgoing_requests", "Requests sent to other services", ("function", "target", "outcome"),
    registry=REGISTRY,
)
COLD_STARTS = Counter("tourbook_cold_starts", "First invocations of an execution environment", ("function",),
                      registry=REGISTRY)
CACHE = Counter("tourbook_cache_requests", "Cache lookups by result", ("function", "result"), registry=REGISTRY)
JOB_RUNS = Counter(
    "tourbook_job_runs", "Invocations of scheduled and queue-triggered functions by outcome (ok, partial, error)",
    ("function", "outcome"), registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "tourbook_job_duration_seconds", "Duration of scheduled and queue-triggered invocations", ("function",),
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0), registry=REGISTRY,
)
JOB_ITEMS = Counter(
    "tourbook_job_items", "Rows or queue records a job processed, by outcome (ok, failed)", ("function", "outcome"),
    registry=REGISTRY,
)

BOOKINGS = Counter("tourbook_bookings", "Bookings entering a status", ("status",), registry=REGISTRY)

current_function: ContextVar[str] = ContextVar("current_function", default="unknown")
_children: dict[tuple[Any, ...], Any] = {}


def child(metric: MetricWrapperBase, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once: `labels` checks and locks on every call, and every request
    counts and times itself with a handful of series. (No child is ever removed here, so none goes stale.)"""
    key = (metric, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def observe_integration(integration: str, operation: str, seconds: float) -> None:
    child(INTEGRATION_LATENCY, current_function.get(), integration, operation).observe(seconds)


def count_outgoing(target: str, outcome: str) -> None:
    child(OUTGOING, current_function.get(), target, outcome).inc()


def count_cache(result: str, count: int = 1) -> None:
    if count:
        child(CACHE, current_function.get(), result).inc(count)


def instance_id() -> str:
    """The execution environment: Lambda's log stream is unique per environment (unless restored from a snapshot)."""
    if _restored:  # environments restored from one SnapStart snapshot start with the same variables
        return f"{os.environ.get('AWS_LAMBDA_LOG_STREAM_NAME') or socket.gethostname()}-{_boot_id}"
    return os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME") or f"{socket.gethostname()}-{os.getpid()}-{_boot_id}"


_boot_id = uuid.uuid4().hex[:8]
_restored = False
_invoked: set[str] = set()


def first_invocation(function: str) -> bool:
    """Whether this is `function`'s first invocation in this environment (counted as a cold start)."""
    if function in _invoked:
        return False
    _invoked.add(function)
    COLD_STARTS.labels(function).inc()
    return True


def renew_environment() -> None:
    """After a SnapStart restore: a new instance id, the next invocation a cold start, a new pusher."""
    global _boot_id, _restored, _pusher
    _boot_id, _restored, _pusher = uuid.uuid4().hex[:8], True, None
    _invoked.clear()


def _encode(value: str) -> str:
    # The Pushgateway's base64 label syntax keeps '/', '[' and friends out of the URL path.
    return base64.urlsafe_b64encode(value.encode()).decode() or "="


def grouping_path(job: str, labels: dict[str, str]) -> str:
    path = f"/metrics/job@base64/{_encode(job)}"
    for name, value in labels.items():
        path += f"/{name}@base64/{_encode(value)}"
    return path


class Pusher:
    """PUTs the registry to the Pushgateway over a kept-alive connection, never raising.

    The grouping key's labels overwrite the series' labels of the same name, so a registry pushed
    under a `function` key must hold that one function's series (true of a Lambda environment).
    """

    def __init__(
        self, url: str, grouping: dict[str, str], *, job: str, timeout: float, interval: float,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self._https = parsed.scheme == "https"
        self._path = grouping_path(job, grouping)
        self._registry = registry
        self._timeout = timeout
        self.interval = interval
        self._last_push = float("-inf")
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def due(self, now: float) -> bool:
        return now - self._last_push >= self.interval

    def maybe_push(self) -> bool:
        now = time.monotonic()
        if not self.due(now) or not self._lock.acquire(blocking=False):
            return False
        try:
            self._last_push = now
            return self._push(generate_latest(self._registry))
        finally:
            self._lock.release()

    def delete(self) -> bool:
        with self._lock:
            return self._send("DELETE", b"")

    def _push(self, payload: bytes) -> bool:
        return self._send("PUT", payload)

    def _send(self, method: str, payload: bytes) -> bool:
        for attempt in (1, 2):  # a kept-alive connection the server closed is retried once, fresh
            try:
                conn = self._connection()
                conn.request(method, self._path, body=payload, headers={"Content-Type": "text/plain; version=0.0.4"})
                response = conn.getresponse()
                answer = response.read()
                if response.will_close:
                    self._close()
                if not 200 <= response.status < 300:
                    reason = answer[:200].decode(errors="replace")
                    logger.warning("metrics push refused: %s %s", response.status, reason)
                return 200 <= response.status < 300
            except (OSError, http.client.HTTPException) as exc:
                self._close()
                if attempt == 2 or isinstance(exc, TimeoutError):
                    logger.warning("metrics push failed: %s", exc.__class__.__name__)
                    return False
        return False

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_pusher: Pusher | None = None
_external_push = False


def push_externally() -> None:
    """The local gateway pushes the whole process's registry itself; functions must not."""
    global _external_push
    _external_push = True


def make_pusher(grouping: dict[str, str], *, interval: float | None = None) -> Pusher | None:
    settings = get_settings()
    if not settings.pushgateway_url:
        return None
    return Pusher(
        settings.pushgateway_url, grouping, job=settings.metrics_job,
        timeout=settings.metrics_push_timeout_seconds,
        interval=settings.metrics_push_interval_seconds if interval is None else interval,
    )


def after_invocation(function: str) -> None:
    """Called by the adapter at the end of every Lambda invocation."""
    global _pusher
    if _external_push:
        return
    if _pusher is None:
        if not get_settings().pushgateway_url:  # nowhere to push: no grouping key to work out either
            return
        _pusher = make_pusher({"function": function, "instance": instance_id()})
        if _pusher is None:
            return
    _pusher.maybe_push()


def close_pusher() -> None:
    """Close the pusher's kept-alive connection (before a SnapStart snapshot); the next push reconnects."""
    if _pusher is not None:
        _pusher.close()


def reset_pusher() -> None:
    global _pusher
    _pusher = None
