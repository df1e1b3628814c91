"""Pruning the Pushgateway: groups of execution environments that stopped pushing are deleted.

A Lambda environment pushes under its own `instance`; when AWS retires it, its last counters would
stay in the Pushgateway for ever and haunt every sum. A scheduled job reads each group's
`push_time_seconds` and deletes the groups of our job that have been silent for too long.
"""
from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass

from shared.core.metrics import grouping_path


@dataclass(frozen=True)
class Group:
    labels: dict[str, str]
    pushed_at: float


def groups(url: str, *, timeout: float = 5.0) -> list[Group]:
    """Every group the Pushgateway holds, with the time of its last successful push."""
    with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/metrics", timeout=timeout) as response:
        data = json.load(response)["data"]
    found = []
    for group in data:
        samples = group.get("push_time_seconds", {}).get("metrics", [])
        pushed_at = float(samples[0]["value"]) if samples else 0.0
        found.append(Group(labels=dict(group["labels"]), pushed_at=pushed_at))
    return found


def prune(url: str, *, job: str, max_age_seconds: float, now: float | None = None, timeout: float = 5.0) -> int:
    """Delete this job's groups whose last push is older than `max_age_seconds`; how many were deleted."""
    now = time.time() if now is None else now
    deleted = 0
    for group in groups(url, timeout=timeout):
        if group.labels.get("job") != job or now - group.pushed_at <= max_age_seconds:
            continue
        labels = {name: value for name, value in group.labels.items() if name != "job"}
        request = urllib.request.Request(f"{url.rstrip('/')}{grouping_path(job, labels)}", method="DELETE")
        with urllib.request.urlopen(request, timeout=timeout):
            deleted += 1
    return deleted
