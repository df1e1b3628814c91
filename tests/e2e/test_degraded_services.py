"""The gateway keeps answering when Redis or the Pushgateway is down, and pushes one registry as one instance."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest

from shared.core import metrics
from tests import services
from tests.e2e.conftest import GatewayFactory
from tests.e2e.test_auth_journeys import PASSWORD, bearer, log_in, register, unique_email

CLOSED_PORT = "127.0.0.1:1"


@pytest.mark.parametrize("mode", ["inprocess", "isolated"])
def test_auth_keeps_working_when_redis_is_down(gateway_factory: GatewayFactory, mode: str) -> None:
    with gateway_factory(mode, REDIS_URL=f"redis://{CLOSED_PORT}/0") as gateway, gateway.client() as client:
        email = unique_email()
        register(client, email)
        tokens = log_in(client, email)
        wrong = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD + "!"})
        me = client.get("/v1/auth/me", headers=bearer(tokens["access_token"]))
        refreshed = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        health = client.get("/v1/health")

    assert wrong.status_code == 401
    assert me.status_code == 200 and me.json()["email"] == email.lower()
    assert refreshed.status_code == 200
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "down"}}


def test_no_request_fails_when_the_pushgateway_is_down(gateway_factory: GatewayFactory) -> None:
    with gateway_factory("inprocess", PUSHGATEWAY_URL=f"http://{CLOSED_PORT}",
                         METRICS_PUSH_INTERVAL_SECONDS="0") as gateway, gateway.client() as client:
        email = unique_email()
        responses = [client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})]
        responses += [client.get("/v1/health") for _ in range(5)]
        responses.append(client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}))

    assert [response.status_code for response in responses] == [201, 200, 200, 200, 200, 200, 200]


def test_the_gateway_pushes_every_functions_series_under_one_instance(gateway_factory: GatewayFactory) -> None:
    pushgateway = services.pushgateway_url()
    job = f"tourbook-e2e-{uuid.uuid4().hex[:8]}"
    with gateway_factory("inprocess", PUSHGATEWAY_URL=pushgateway, METRICS_JOB=job) as gateway, \
            gateway.client() as client:
        assert client.get("/v1/health").status_code == 200
        assert client.get("/v1/auth/me").status_code == 401
    # Stopping the gateway pushed its registry one last time.

    pushed = httpx.get(f"{pushgateway}/metrics", timeout=5).text
    instance = metrics.instance_id()
    try:
        series = [line for line in pushed.splitlines()
                  if line.startswith("tourbook_http_requests_total{") and f'job="{job}"' in line]
        functions = {re.search(r'function="([^"]*)"', line)[1] for line in series}  # type: ignore[index]
        # The grouping key has no `function` label, so each series keeps the function it came from.
        assert {"get_health", "get_me"} <= functions
        assert all(f'instance="{instance}"' in line for line in series)
    finally:
        group = metrics.Pusher(pushgateway, {"instance": instance}, job=job, timeout=2, interval=0)
        assert group.delete()
