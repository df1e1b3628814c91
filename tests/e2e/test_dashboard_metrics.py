"""Every metric the dashboard queries is one the running code exports (scraped from /metrics)."""
from __future__ import annotations

import re

import httpx

from tests.contract.test_ops import dashboard_metrics


def test_the_dashboard_queries_only_exported_metrics(client: httpx.Client) -> None:
    for path in ("/v1/health", "/v1/tours", "/v1/auth/me"):
        client.get(path)
    exposition = client.get("/metrics").text
    exported = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", exposition, flags=re.MULTILINE):
        exported.add(name + "_total" if kind == "counter" and not name.endswith("_total") else name)
    assert dashboard_metrics() <= exported, dashboard_metrics() - exported
