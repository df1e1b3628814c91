"""`serve --processes N`: gateway processes on one port, as concurrent Lambda environments run side by side."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from local_gateway import app
from tests.e2e.test_auth_journeys import PASSWORD, unique_email
from tests.services import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def test_two_processes_serve_one_port_and_share_the_database(database_url: str, aws: str) -> None:
    port = _free_port()
    gateway = subprocess.Popen(
        [sys.executable, "-m", "local_gateway", "serve", "--processes", "2", "--port", str(port), "--no-queues",
         "--no-schedules"],
        cwd=ROOT, env={**os.environ, "PUSHGATEWAY_URL": "", "REDIS_URL": ""}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert gateway.poll() is None, gateway.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the gateway did not answer"
            try:
                if httpx.get(f"{url}/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert len(_children(gateway.pid)) >= 2  # the workers (and multiprocessing's resource tracker)

        email = unique_email()
        # A new connection per request: the kernel hands them to either process.
        statuses = [httpx.post(f"{url}/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code]
        tokens = httpx.post(f"{url}/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
        for _ in range(10):
            me = httpx.get(f"{url}/v1/auth/me", headers={"authorization": f"Bearer {tokens['access_token']}"})
            statuses.append(me.status_code)
        assert statuses == [201] + [200] * 10
        assert me.json()["email"] == email.lower()
    finally:
        gateway.terminate()
        _, stderr = gateway.communicate(timeout=60)
    assert gateway.returncode == 0, stderr[-3000:]
    assert "local gateway stopped" in stderr


def test_one_process_at_a_time_runs_the_schedules_and_queue_pollers(tmp_path: Path) -> None:
    lock = str(tmp_path / "background.lock")
    assert app._holds_background_lock(lock)
    try:
        other = subprocess.run(
            [sys.executable, "-c", "import sys; from local_gateway.app import _holds_background_lock as holds; "
                                   "sys.exit(0 if holds(sys.argv[1]) else 3)", lock],
            cwd=ROOT, timeout=60,
        )
        assert other.returncode == 3  # the lock is taken: that process serves requests only
    finally:
        assert app._lock_file is not None
        app._lock_file.close()
        app._lock_file = None
    assert app._holds_background_lock("")  # a single gateway process always runs them
