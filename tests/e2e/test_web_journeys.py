"""The Playwright journeys of web/e2e (a traveller, an admin, the Russian pass, axe on every page) in Debian's
Chromium, against a gateway serving web/dist on the test database with the demo accounts restored."""
from __future__ import annotations

from pathlib import Path

from local_gateway.cli import prepare_database
from tests.e2e.conftest import GatewayFactory
from tests.support.web import CHROMIUM, npm, require_build, require_chromium


def test_the_browser_journeys_pass(gateway_factory: GatewayFactory, tmp_path: Path) -> None:
    dist = require_build()
    require_chromium()
    prepare_database()  # the demo admin the admin journey signs in as
    with gateway_factory("inprocess", GATEWAY_WEB_DIST=str(dist), COOKIE_SECURE="false") as gateway:
        run = npm("exec", "--", "playwright", "test", timeout=840, env={
            "TOURBOOK_URL": gateway.url, "CHROMIUM": str(CHROMIUM), "PLAYWRIGHT_OUTPUT_DIR": str(tmp_path),
        })
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{run.stderr[-2000:]}\n(traces in {tmp_path})"
    assert " passed" in run.stdout and " failed" not in run.stdout
