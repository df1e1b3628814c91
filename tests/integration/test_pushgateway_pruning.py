"""Stale Pushgateway groups are deleted, live ones and other jobs' are kept (a real Pushgateway)."""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from prometheus_client import CollectorRegistry, Counter

from shared.core import metrics, pushgateway
from tests import services


def _push(url: str, job: str, instance: str) -> None:
    registry = CollectorRegistry()
    Counter("tourbook_probe", "probe", registry=registry).inc()
    pusher = metrics.Pusher(url, {"function": "probe", "instance": instance}, job=job, timeout=2, interval=0,
                            registry=registry)
    assert pusher.maybe_push()
    pusher.close()


def _instances(url: str, job: str, expected: set[str]) -> set[str]:
    """The job's instances, once they are `expected` or 5 s have passed (a DELETE is applied after its 202)."""
    deadline = time.monotonic() + 5
    while True:
        found = {group.labels["instance"] for group in pushgateway.groups(url) if group.labels.get("job") == job}
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_only_this_jobs_silent_groups_are_deleted() -> None:
    url = services.pushgateway_url()
    job, other_job = f"prune-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    _push(url, job, "retired/[$LATEST]abc")
    _push(url, other_job, "someone-else")
    pushed = time.time()
    _push(url, job, "alive")
    # Seen from an hour later, with a 10-minute limit, every group of `job` is stale...
    assert pushgateway.prune(url, job=job, max_age_seconds=600, now=pushed + 3600) == 2
    assert _instances(url, job, set()) == set()
    assert _instances(url, other_job, {"someone-else"}) == {"someone-else"}  # ...but another job's groups are not ours
    _push(url, job, "fresh")
    assert pushgateway.prune(url, job=job, max_age_seconds=600) == 0
    assert _instances(url, job, {"fresh"}) == {"fresh"}
    pushgateway.prune(url, job=job, max_age_seconds=0, now=time.time() + 1)
    pushgateway.prune(url, job=other_job, max_age_seconds=0, now=time.time() + 1)


def test_many_stale_groups_are_deleted_in_one_run() -> None:
    url = services.pushgateway_url()
    job = f"prune-{uuid.uuid4().hex[:6]}"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda index: _push(url, job, f"retired-{index}"), range(150)))
    assert pushgateway.prune(url, job=job, max_age_seconds=600, now=time.time() + 3600) == 150
    assert _instances(url, job, set()) == set()
