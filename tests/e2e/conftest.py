"""The local gateway served by uvicorn in a background thread, on a free port, against the test database."""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest
import uvicorn

from local_gateway.app import GatewayApp, create_app, proxy_options
from shared.core import metrics
from shared.core.settings import reset_settings

# Many registrations from 127.0.0.1 in one run: the per-IP limit is not what these tests are about.
E2E_ENVIRONMENT = {"REGISTER_MAX_PER_IP": "100000"}
GatewayFactory = Callable[..., AbstractContextManager["Gateway"]]


class Gateway:
    def __init__(self, url: str, app: GatewayApp) -> None:
        self.url = url
        self.app = app

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)


@contextmanager
def serve(mode: str, **environment: str) -> Iterator[Gateway]:
    """Start a gateway with `environment` applied; stop it, and restore everything, on exit."""
    saved = dict(os.environ)
    with pytest.MonkeyPatch.context() as patch:
        # The gateway makes this process push externally; other tests expect functions to push themselves.
        patch.setattr(metrics, "_external_push", metrics._external_push)
        os.environ.update({**E2E_ENVIRONMENT, **environment})
        reset_settings()
        app = create_app(mode=mode, workers=2)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                               access_log=False, lifespan="on", **proxy_options()))
        thread = threading.Thread(target=server.run, name=f"gateway-{mode}", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the gateway did not start")
                time.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            yield Gateway(f"http://127.0.0.1:{port}", app)
        finally:
            server.should_exit = True
            thread.join(15)
            os.environ.clear()
            os.environ.update(saved)
            reset_settings()


@pytest.fixture(scope="module", params=["inprocess", "isolated"])
def gateway(request: pytest.FixtureRequest, database_url: str) -> Iterator[Gateway]:
    with serve(request.param) as running:
        yield running


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with gateway.client() as client:
        yield client


@pytest.fixture
def gateway_factory(database_url: str) -> GatewayFactory:
    """A gateway of its own for a test that needs other settings (a Redis that is down, a Pushgateway...)."""
    return serve
