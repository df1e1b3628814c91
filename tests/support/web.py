"""What the web app's tests need from the machine: Node's tools in web/, its build, Debian's Chromium.

Missing, they skip the test with the reason and the command that fixes it; in CI (CI=true) they fail it."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.services import IN_CI, ROOT

WEB = ROOT / "web"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def _missing(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_node_modules() -> None:
    if shutil.which("npm") is None:
        _missing("npm is not installed: install Node.js 20+ to build and test the web app")
    if not (WEB / "node_modules" / ".bin" / "vite").exists():
        _missing("web/node_modules is missing: run `make web` (npm ci in web/)")


def require_build() -> Path:
    require_node_modules()
    dist = WEB / "dist"
    if not (dist / "index.html").is_file():
        _missing("web/dist is missing: run `make web`")
    return dist


def require_chromium() -> Path:
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (Debian's; no browser is downloaded)")
    return CHROMIUM


def npm(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run an npm command in web/, its output kept for the assertion message."""
    return subprocess.run(["npm", *args], cwd=WEB, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, check=False)
