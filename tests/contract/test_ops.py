"""The compose stack and the Grafana dashboard stay true to the code."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from tests.services import IN_CI, ROOT

DASHBOARD = ROOT / "ops" / "grafana" / "dashboards" / "tourbook.json"


def test_the_compose_file_validates() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        if IN_CI:
            pytest.fail("docker-compose (the Debian package) is not installed")
        pytest.skip("docker-compose is not installed")
    result = subprocess.run([binary, "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_every_image_is_pinned_and_every_service_starts_in_order() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name, service in services.items():
        image = service.get("image")
        if image is not None:
            assert re.fullmatch(r"[\w./-]+:v?\d[\w.-]*", image), f"{name}: {image} is not pinned to a version"
    assert services["gateway"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for dependency in ("postgres", "redis", "localstack"):
        assert services["migrate"]["depends_on"][dependency]["condition"] == "service_healthy"
    prometheus = yaml.safe_load((ROOT / "ops" / "prometheus.yml").read_text())
    targets = [target for job in prometheus["scrape_configs"] for config in job["static_configs"]
               for target in config["targets"]]
    assert targets == ["pushgateway:9091"]  # never the gateway's /metrics too: that would count twice
    assert all(job["honor_labels"] for job in prometheus["scrape_configs"])


def dashboard_metrics() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return {re.sub(r"_(bucket|sum|count)$", "", name) for expr in expressions
            for name in re.findall(r"\b(tourbook_[a-z_]+)", expr)}


def test_the_dashboard_covers_what_operators_need() -> None:
    assert {"tourbook_http_requests_total", "tourbook_http_errors_total", "tourbook_http_request_duration_seconds",
            "tourbook_integration_duration_seconds", "tourbook_outgoing_requests_total",
            "tourbook_cold_starts_total", "tourbook_cache_requests_total", "tourbook_bookings_total"
            } <= dashboard_metrics()
