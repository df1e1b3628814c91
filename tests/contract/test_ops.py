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


def test_compose_delivers_notifications_where_the_poller_reads() -> None:
    from local_gateway import template as sam

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    app_environment = services["gateway"]["environment"]
    init = (ROOT / "ops" / "localstack" / "init-aws.sh").read_text()
    template = sam.load()
    polled = {trigger.queue_name for function in template.functions for trigger in function.queues}

    # The relay finds the queue by the name the poller reads (was a URL of a queue nobody polled)...
    queue_url = app_environment.get("NOTIFICATIONS_QUEUE_URL")
    assert queue_url is None or queue_url.rsplit("/", 1)[-1] in polled
    # ...which LocalStack makes, in the region the app asks (queues were made in us-east-1).
    assert polled <= set(re.findall(r"create-queue --queue-name (\w+)", init))
    region = app_environment["AWS_DEFAULT_REGION"]
    assert services["localstack"]["environment"]["AWS_DEFAULT_REGION"] == region
    assert f"export AWS_DEFAULT_REGION={region}" in init


def test_the_image_gets_no_secrets_state_or_caches() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}

    assert {".env", ".env.*", ".git", ".venv", ".data", "**/__pycache__", "**/*.py[cod]", "**/.pytest_cache",
            "**/.mypy_cache", "web/node_modules"} <= ignored


def test_the_image_runs_the_lambda_python_and_serves_a_fresh_web_build() -> None:
    """Compose serves the app too: the image builds web/dist itself (the context leaves any local build out)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", dockerfile, flags=re.MULTILINE)
    assert stages[-1][0].startswith("python:3.13"), stages
    builder = next(name for image, name in stages if image.startswith("node:"))
    assert "RUN npm ci" in dockerfile and "RUN npm run build" in dockerfile
    assert f"COPY --from={builder} /app/web/dist /app/web/dist" in dockerfile
    assert "web/dist" in (ROOT / ".dockerignore").read_text()


def test_compose_sends_the_gateways_mail_to_mailpit() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    environment = services["gateway"]["environment"]
    assert environment["MAIL_BACKEND"] == "smtp"
    assert environment["SMTP_URL"].startswith("smtp://mailpit:1025")
    assert services["gateway"]["depends_on"]["mailpit"]["condition"] == "service_healthy"
    assert "mailpit" in services["mailpit"]["image"]
