"""Bench 5: POST /v1/bookings through the inprocess gateway — correctness under contention, then throughput.

The gateway is `python -m local_gateway serve --mode inprocess` (a subprocess, its defaults: a pool of 32
connections per process + 8 for a burst, the access log on, Redis for the cache) on the bench database, migrated
first; one gateway runs at a time (each throughput round starts its own and stops it before pgbench runs).
The load generator of (a) is this process (httpx.AsyncClient, 32 connections, 32 workers taking requests
from one queue); users and the tour are made over HTTP, the demo admin (restored by every gateway start)
makes the tour and its departures.

(a) contention: 1000 attempts of 1–3 seats (seeded) on one 50-seat departure: sold seats, refusals by code,
    5xx, latency; afterwards the database must agree (seats taken = seats of the 201s, capacity invariant).
(b) throughput: 1-seat bookings from wrk (2 threads, 32 connections, the bench users' tokens in turn) on a
    fresh 1000-seat departure, 968 answers at most and at most SECONDS, so every attempt fits (the requests
    still in flight when wrk stops may book too). The rate is the server's: bookings made, over the time from
    the first one's creation to the last one's. In the same run, against the same PostgreSQL, pgbench
    runs the conditional UPDATE that takes the seats (`pgbench -n -M prepared -c 32 -j 2 -T SECONDS`) on a
    scratch departure; the statement wraps the count (`% capacity`) so that it always matches and never
    breaks the CHECK constraints (capacity ≤ 1000), and the row is reset afterwards. Rounds alternate.
Beside the rates: the database statements and Redis calls per booking (from the gateway's own /metrics),
and the CPU per booking of the gateway process, of PostgreSQL, of the load generator and of the SQS stand-in.

SQS: a booking publishes its outbox event to the notifications queue right after its commit, as on AWS. The
gateway would start moto inside its own process (its CPU then counted as the gateway's, its queue growing without
a consumer: moto's SendMessage walks the whole queue); here both gateways share one moto server of the bench's,
a process of its own (`python -m bench.moto_server`: moto's application on connections kept open, as SQS keeps them),
whose CPU is reported apart, and the queues are purged before each round and the notifications queue every
PURGE_SECONDS during it, as the consumer keeps the real queue short: moto reads the queue's attributes for every
message it takes, walking every message the queue holds, so its CPU per message grows with the queue (a real SQS
costs these cores nothing). The targets are the issue's: ≥ TARGETS[n] × pgbench with n gateway
processes.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import json
import re
import resource
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
import contextlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.common import PYTHON, REDIS_URL, ROOT, free_port, log, started
from bench.gateway import cpu_seconds
from bench.stats import percentile, summary

DATABASE_URL = os.environ.get(
    "BENCH_BOOKINGS_DATABASE_URL", "postgresql+asyncpg://tourbook:tourbook@127.0.0.1:5432/tourbook_bench")
DEMO_ADMIN = {"email": "admin@example.com", "password": "admin-password"}
PASSWORD = "bench-password-123"
CONCURRENCY = 32
CONTENTION_CAPACITY = 50
CONTENTION_ATTEMPTS = 1000
THROUGHPUT_CAPACITY = 1000
TARGETS = {1: 0.3, 2: 0.4}  # issue 16: bookings/s over pgbench tps, by gateway processes
USERS = 8
PURGE_SECONDS = 0.1  # at ~250 bookings/s, ~25 messages in moto's queue at most (once a second: up to ~250)


# -- the gateway ---------------------------------------------------------------------------------------------


AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}


def _environment(sqs: SqsStandIn | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("GATEWAY_MODE", "GATEWAY_WORKERS", "PORT", "DB_POOL_SIZE", "DB_POOL_OVERFLOW",
                           "AWS_ENDPOINT_URL")
           and not name.endswith("_QUEUE_URL")}
    env.update({
        "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PUSHGATEWAY_URL": "", "LOG_LEVEL": "INFO",
        "REGISTER_MAX_PER_IP": "1000000",  # every bench user registers from 127.0.0.1
    })
    if sqs is not None:
        env.update(AWS, AWS_ENDPOINT_URL=sqs.url, **sqs.queue_urls)
    return env


@dataclass
class SqsStandIn:
    """moto, in a process of its own, with the template's queues."""

    url: str
    pid: int
    client: Any
    queue_urls: dict[str, str]

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def purge(self, *variables: str) -> None:
        """The queues named (by their variable), or every queue."""
        for variable, queue_url in self.queue_urls.items():
            if not variables or variable in variables:
                self.client.purge_queue(QueueUrl=queue_url)


@contextmanager
def sqs_stand_in() -> Iterator[SqsStandIn]:
    import boto3

    from local_gateway import template

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")} | AWS
    env["MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR"] = "false"  # SQS allows one purge a minute; we purge often
    with started("moto", [PYTHON, "-m", "bench.moto_server", "-H", "127.0.0.1", "-p", str(port)], f"{url}/moto-api/",
                 env, timeout=60) as process:
        client = boto3.client("sqs", endpoint_url=url, region_name=AWS["AWS_DEFAULT_REGION"],
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        queue_urls = {variable: client.create_queue(QueueName=name)["QueueUrl"]
                      for variable, name in template.load().queue_variables.items()}
        yield SqsStandIn(url, process.pid, client, queue_urls)


@contextmanager
def purging(sqs: SqsStandIn, every: float = PURGE_SECONDS) -> Iterator[None]:
    """The queues purged now, the notifications queue (the one bookings fill) every `every` seconds until the block
    ends (a consumer keeps it short)."""
    import threading

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            sqs.purge("NOTIFICATIONS_QUEUE_URL")

    sqs.purge()
    thread = threading.Thread(target=loop, name="purge", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def migrate() -> None:
    alembic = Path(PYTHON).with_name("alembic")
    command = [str(alembic)] if alembic.exists() else [PYTHON, "-m", "alembic"]
    subprocess.run([*command, "upgrade", "head"], cwd=ROOT, env=_environment(), check=True, capture_output=True,
                   timeout=120)


@dataclass
class Gateway:
    url: str
    pid: int
    stderr: Any = None
    processes: int = 1

    def cpu_seconds(self) -> float:
        """CPU time of the gateway and every process under it (its uvicorn workers)."""
        children: dict[int, list[int]] = defaultdict(list)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                children[int(stat.read_text().rpartition(")")[2].split()[1])].append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        total, pending = 0.0, [self.pid]
        while pending:
            pid = pending.pop()
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
            pending += children.get(pid, [])
        return total

    def errors(self) -> list[str]:
        """The lines of the gateway's stderr that report an error (it logs only warnings and worse)."""
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").splitlines()
        return [line[:300] for line in lines if re.search(r"error|exception|traceback", line, re.I)]


@contextmanager
def serving(timeout: float = 120.0, *, processes: int = 1, sqs: SqsStandIn | None = None) -> Iterator[Gateway]:
    """The inprocess gateway on a free port; stopped (by its own pid) on the way out."""
    port = free_port()
    command = [PYTHON, "-m", "local_gateway", "serve", "--mode", "inprocess", "--host", "127.0.0.1",
               "--port", str(port), "--no-schedules", "--no-queues", "--processes", str(processes)]
    url = f"http://127.0.0.1:{port}"
    with started("the gateway", command, f"{url}/v1/health", _environment(sqs), timeout=timeout) as process:
        yield Gateway(url, process.pid, process.stderr, processes)


# -- set-up over HTTP ----------------------------------------------------------------------------------------


def _bearer(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/v1/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def _users(client: httpx.Client, count: int) -> list[dict[str, str]]:
    headers = []
    for _ in range(count):
        email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        client.post("/v1/auth/register", json={"email": email, "password": PASSWORD}).raise_for_status()
        headers.append(_bearer(client, email, PASSWORD))
    return headers


class Catalogue:
    """A tour of this run, and departures on it (one per day, as the API requires)."""

    def __init__(self, client: httpx.Client, *, published: bool = True) -> None:
        self.client = client
        self.admin = _bearer(client, DEMO_ADMIN["email"], DEMO_ADMIN["password"])
        tour = client.post("/v1/tours", headers=self.admin, json={
            "title": f"Bench tour {uuid.uuid4().hex[:8]}", "description": "Made by bench/bookings.py.",
            "country": "Benchland", "city": "Loadville", "duration_days": 3, "price_cents": 10_000,
            "currency": "EUR", "is_published": published,
        })
        tour.raise_for_status()
        self.tour_id = str(tour.json()["id"])
        self.days = 30

    def departure(self, capacity: int) -> str:
        self.days += 1
        starts_on = (dt.date.today() + dt.timedelta(days=self.days)).isoformat()
        response = self.client.post(f"/v1/tours/{self.tour_id}/departures", headers=self.admin,
                                    json={"starts_on": starts_on, "capacity": capacity})
        response.raise_for_status()
        return str(response.json()["id"])


# -- the load generator --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int  # 0: no HTTP response
    code: str | None
    seats: int
    latency_s: float


async def _fire(url: str, jobs: list[tuple[dict[str, str], dict[str, Any]]], *, seconds: float | None = None
                ) -> tuple[list[Outcome], float]:
    """`jobs` from CONCURRENCY workers sharing one queue, until done or `seconds` passed; (outcomes, elapsed)."""
    outcomes: list[Outcome] = []
    queue = iter(jobs)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        began = time.perf_counter()
        deadline = began + seconds if seconds else None

        async def worker() -> None:
            for headers, body in queue:
                if deadline is not None and time.perf_counter() > deadline:
                    return
                sent = time.perf_counter()
                try:
                    response = await client.post("/v1/bookings", headers=headers, json=body)
                except httpx.HTTPError as error:
                    outcomes.append(Outcome(0, type(error).__name__, body["seats"], time.perf_counter() - sent))
                    continue
                code = response.json().get("code") if response.status_code >= 400 else None
                outcomes.append(Outcome(response.status_code, code, body["seats"], time.perf_counter() - sent))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return outcomes, time.perf_counter() - began


def _latency(outcomes: list[Outcome]) -> dict[str, Any]:
    if not outcomes:
        return {}
    values = [outcome.latency_s * 1000 for outcome in outcomes]
    return {"p50": round(percentile(values, 50), 2), "p99": round(percentile(values, 99), 2),
            "all": summary(values)}


def _tally(outcomes: list[Outcome]) -> dict[str, Any]:
    by_status = Counter(outcome.status for outcome in outcomes)
    return {
        "attempts": len(outcomes),
        "status_counts": {str(status): count for status, count in sorted(by_status.items())},
        "refusal_codes": dict(Counter(outcome.code for outcome in outcomes if outcome.code)),
        "created": by_status[201],
        "seats_sold_by_201s": sum(outcome.seats for outcome in outcomes if outcome.status == 201),
        "server_errors_5xx": sum(count for status, count in by_status.items() if status >= 500),
        "no_response": by_status[0],
        "latency_ms": _latency(outcomes),
        "latency_ms_201": _latency([outcome for outcome in outcomes if outcome.status == 201]),
        "latency_ms_409": _latency([outcome for outcome in outcomes if outcome.status == 409]),
    }


# -- what the database and the gateway say -------------------------------------------------------------------


def _psql_args() -> tuple[list[str], dict[str, str]]:
    parsed = urllib.parse.urlsplit(DATABASE_URL.replace("+asyncpg", ""))
    env = dict(os.environ, PGPASSWORD=urllib.parse.unquote(parsed.password or ""))
    args = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres",
            parsed.path.lstrip("/")]
    return args, env


def _psql(sql: str) -> str:
    args, env = _psql_args()
    done = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, *args], env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip()


def _database_check(departure_id: str) -> dict[str, Any]:
    """Seats taken, pending + confirmed seats, bookings and capacity, read straight from PostgreSQL."""
    row = _psql(
        "SELECT d.capacity, d.seats_taken, "
        "COALESCE(SUM(b.seats) FILTER (WHERE b.status IN ('pending', 'confirmed')), 0), COUNT(b.id) "
        f"FROM departure d LEFT JOIN booking b ON b.departure_id = d.id WHERE d.id = '{departure_id}' "
        "GROUP BY d.id")
    capacity, taken, held, bookings = (int(value) for value in row.split("|"))
    return {"capacity": capacity, "seats_taken": taken, "seats_held_by_bookings": held, "bookings": bookings,
            "oversold": max(0, taken - capacity), "invariant_holds": taken == held and taken <= capacity}


def _scrape(url: str) -> dict[tuple[str, str, str], float]:
    """create_booking's integration calls from /metrics: {(integration, operation, count|sum): value}."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    found: dict[tuple[str, str, str], float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        if family.name != "tourbook_integration_duration_seconds":
            continue
        for sample in family.samples:
            if sample.labels.get("function") != "create_booking" or sample.name.endswith("_bucket"):
                continue
            kind = "count" if sample.name.endswith("_count") else "sum"
            found[(sample.labels["integration"], sample.labels["operation"], kind)] += sample.value
    return found


def _per_booking(before: dict[tuple[str, str, str], float], after: dict[tuple[str, str, str], float],
                 requests: int) -> dict[str, dict[str, float]]:
    calls: dict[str, dict[str, float]] = {}
    for (integration, operation, kind), value in after.items():
        if kind != "count":
            continue
        count = value - before.get((integration, operation, kind), 0.0)
        seconds = after[(integration, operation, "sum")] - before.get((integration, operation, "sum"), 0.0)
        calls[f"{integration} {operation}"] = {"per_request": round(count / max(1, requests), 3),
                                               "ms_per_request": round(seconds * 1000 / max(1, requests), 3)}
    return calls


def _postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process on this machine, by pid (the server is shared: an upper bound)."""
    found: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rpartition(")")[2].split()
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _postgres_cpu_since(before: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in _postgres_cpu().items())


def _transactions() -> tuple[int, int]:
    """Commits and rollbacks of the bench database so far (pg_stat_database; flushed about once a second)."""
    time.sleep(1.2)
    row = _psql("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()")
    commits, rollbacks = row.split("|")
    return int(commits), int(rollbacks)


# -- pgbench -------------------------------------------------------------------------------------------------


def _pgbench_statement(departure_id: str) -> str:
    # The WHERE of services.create_booking's UPDATE; `% capacity` wraps the count so it always matches.
    return (f"UPDATE departure SET seats_taken = (seats_taken + 1) % capacity WHERE id = '{departure_id}' "
            "AND status = 'open' AND seats_taken + 1 <= capacity;")


def pgbench(departure_id: str, seconds: int) -> dict[str, Any]:
    binary = "pgbench" if subprocess.run(["which", "pgbench"], capture_output=True).returncode == 0 else \
        "/usr/lib/postgresql/15/bin/pgbench"
    args, env = _psql_args()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(_pgbench_statement(departure_id) + "\n")
    command = [binary, "-n", "-M", "prepared", "-c", str(CONCURRENCY), "-j", "2", "-T", str(seconds),
               "-f", script.name, *args]
    try:
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                                timeout=seconds + 60).stdout
    finally:
        os.unlink(script.name)
        _psql(f"UPDATE departure SET seats_taken = 0 WHERE id = '{departure_id}'")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    failed = re.search(r"number of failed transactions: (\d+)", output)
    if tps is None:
        raise RuntimeError(f"pgbench printed no tps:\n{output}")
    return {
        "command": " ".join(command).replace(script.name, "update.sql").replace(binary, "pgbench"),
        "script": _pgbench_statement("<scratch departure id>"),
        "tps": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "transactions": int(processed.group(1)) if processed else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


# -- the phases ----------------------------------------------------------------------------------------------


def contention(gateway: Gateway, catalogue: Catalogue, users: list[dict[str, str]], *,
               attempts: int = CONTENTION_ATTEMPTS) -> dict[str, Any]:
    departure = catalogue.departure(CONTENTION_CAPACITY)
    rng = random.Random(5)
    jobs = [(users[n % len(users)], {"departure_id": departure, "seats": rng.randint(1, 3)}) for n in range(attempts)]
    log(f"bookings: (a) {attempts} attempts of 1–3 seats on a {CONTENTION_CAPACITY}-seat departure, "
        f"{CONCURRENCY} clients")
    outcomes, elapsed = asyncio.run(_fire(gateway.url, jobs))
    tally = _tally(outcomes)
    database = _database_check(departure)
    tally.update({
        "elapsed_s": round(elapsed, 2), "capacity": CONTENTION_CAPACITY, "database": database,
        "sold_matches_database": tally["seats_sold_by_201s"] == database["seats_taken"],
        "refusals_other_than_sold_out": sum(count for code, count in tally["refusal_codes"].items()
                                            if code != "sold_out"),
    })
    tally["correct"] = bool(database["invariant_holds"] and tally["sold_matches_database"]
                            and tally["server_errors_5xx"] == 0 and tally["no_response"] == 0
                            and tally["refusals_other_than_sold_out"] == 0
                            and database["seats_taken"] >= CONTENTION_CAPACITY - 2)
    log(f"bookings: (a) {tally['seats_sold_by_201s']} seats sold in {tally['created']} bookings, "
        f"status {tally['status_counts']}, p50 {tally['latency_ms'].get('p50')} ms, correct: {tally['correct']}")
    return tally


# wrk, like pgbench a C client, so the load generator takes little of the two cores from the gateway and
# PostgreSQL. Each thread stops once it has its share of answers; the answers still in flight then may book
# too, so the attempts leave room for them below the departure's capacity.
_WRK_LUA = """
local tokens, limit = {}, tonumber(os.getenv("BENCH_LIMIT"))
for token in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = token end
local body = '{"departure_id":"' .. os.getenv("BENCH_DEPARTURE") .. '","seats":1}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
sent, answered, statuses = 0, 0, {}
function request()
  sent = sent + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer " .. tokens[sent % #tokens + 1]}, body)
end
function response(status, headers, body)
  answered = answered + 1
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if answered >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local counts, parts = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
  end
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%s":%d', status, n) end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('BENCH {"statuses":{%s},"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d}\\n',
                         table.concat(parts, ","), errors, summary.errors.timeout, latency:percentile(50),
                         latency:percentile(99)))
end
"""
WRK_THREADS = 2


def _wrk_bookings(url: str, users: list[dict[str, str]], departure: str, *, attempts: int, seconds: int
                  ) -> dict[str, Any]:
    tokens = ",".join(headers["authorization"].removeprefix("Bearer ") for headers in users)
    env = dict(os.environ, BENCH_TOKENS=tokens, BENCH_DEPARTURE=departure, BENCH_LIMIT=str(attempts // WRK_THREADS))
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK_LUA)
        script.flush()
        command = ["wrk", f"-t{WRK_THREADS}", f"-c{CONCURRENCY}", f"-d{seconds}s", "-s", script.name,
                   f"{url}/v1/bookings"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True,
                                timeout=seconds + 60).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    found: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
    found["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found["command"] = " ".join(command[:-3] + ["-s", "bookings.lua", "<gateway>/v1/bookings"])
    return found


def _booking_window(departure_id: str) -> tuple[int, float]:
    """Bookings on the departure and the seconds from the first one's creation to the last one's."""
    row = _psql("SELECT COUNT(*), EXTRACT(EPOCH FROM MAX(created_at) - MIN(created_at)) FROM booking "
                f"WHERE departure_id = '{departure_id}'")
    count, span = row.split("|")
    return int(count), float(span or 0)


def throughput(gateway: Gateway, users: list[dict[str, str]], departure: str, *, seconds: int,
               attempts: int = THROUGHPUT_CAPACITY - CONCURRENCY, sqs: SqsStandIn | None = None) -> dict[str, Any]:
    """1-seat bookings from wrk on one departure of THROUGHPUT_CAPACITY seats: every attempt fits."""
    metrics_before, transactions_before = _scrape(gateway.url), _transactions()
    with purging(sqs) if sqs is not None else contextlib.nullcontext():
        cpu_before, pg_before = gateway.cpu_seconds(), _postgres_cpu()
        sqs_before = sqs.cpu_seconds() if sqs is not None else 0.0
        answers = _wrk_bookings(gateway.url, users, departure, attempts=attempts, seconds=seconds)
        gateway_cpu, pg_cpu = gateway.cpu_seconds() - cpu_before, _postgres_cpu_since(pg_before)
        sqs_cpu = sqs.cpu_seconds() - sqs_before if sqs is not None else 0.0
    commits, rollbacks = (after - before for after, before in zip(_transactions(), transactions_before))
    created, span = _booking_window(departure)
    database = _database_check(departure)
    statuses = {status: count for status, count in sorted(answers["statuses"].items())}
    done = max(1, created)
    result = {
        "load_generator": answers["command"],
        "answers_counted_by_wrk": sum(statuses.values()),
        "status_counts": statuses,
        "server_errors_5xx": sum(count for status, count in statuses.items() if int(status) >= 500),
        # no answer: wrk's socket errors, most often its timeout (2 s) on a request still queued in the gateway;
        # not a 5xx (the server never said it failed), reported apart
        "no_response": answers["socket_errors"],
        "no_response_timeouts": answers["timeouts"],
        "latency_ms": {"p50": answers["p50_us"] / 1000, "p99": answers["p99_us"] / 1000},
        "created": created,
        "window_s": round(span, 3),
        "bookings_per_s": round((created - 1) / span, 1) if span > 0 else 0.0,
        "capacity": THROUGHPUT_CAPACITY,
        "database": database,
        "every_booking_holds_its_seat": database["seats_taken"] == created and database["invariant_holds"],
        "gateway_processes": gateway.processes,
        # /metrics is one process's registry: the calls are counted where there is one process only
        "calls_per_request": _per_booking(metrics_before, _scrape(gateway.url), done) if gateway.processes == 1
        else None,
        "transactions_per_request": {"commits": round(commits / done, 2), "rollbacks": round(rollbacks / done, 2)},
        "cpu_ms_per_request": {"gateway_process": round(gateway_cpu * 1000 / done, 3),
                               "postgres_all_processes": round(pg_cpu * 1000 / done, 3),
                               "load_generator": round(answers["cpu_s"] * 1000 / done, 3),
                               "sqs_stand_in": round(sqs_cpu * 1000 / done, 3)},
    }
    log(f"bookings: (b) {created} bookings in {span:.2f} s = {result['bookings_per_s']}/s, status {statuses}, "
        f"CPU ms per booking: gateway {result['cpu_ms_per_request']['gateway_process']}, "
        f"SQS stand-in {result['cpu_ms_per_request']['sqs_stand_in']}")
    return result


PROCESSES = 2  # one gateway process per core, as concurrent Lambda environments run side by side


def _warm_up(server: Gateway, users: list[dict[str, str]], departure: str) -> None:
    """Connections, every process's first invocation, statement caches: 150 bookings."""
    asyncio.run(_fire(server.url, [(users[n % USERS], {"departure_id": departure, "seats": 1}) for n in range(150)]))


def run(seconds: int = 20, rounds: int = 2) -> dict[str, Any]:
    """One gateway at a time (each round starts its own and stops it before pgbench runs), so that the gateways'
    pools never add up: PostgreSQL's 100 connections hold one gateway's and pgbench's 32."""
    log("bookings: migrating the bench database")
    migrate()
    order = (PROCESSES, 1)
    with sqs_stand_in() as sqs:
        with serving(processes=PROCESSES, sqs=sqs) as gateway, httpx.Client(base_url=gateway.url, timeout=30) as client:
            log(f"bookings: gateway up at {gateway.url} ({PROCESSES} processes), SQS stand-in at {sqs.url}; "
                f"{USERS} users")
            users = _users(client, USERS)
            catalogue = Catalogue(client)
            scratch = Catalogue(client, published=False).departure(THROUGHPUT_CAPACITY)  # pgbench's row
            # Every round's departures now: the rounds' gateways run alone.
            planned = [[(processes, catalogue.departure(200), catalogue.departure(THROUGHPUT_CAPACITY))
                        for processes in order] for _ in range(rounds)]
            _warm_up(gateway, users, catalogue.departure(200))
            contended = contention(gateway, catalogue, users)
            gateway_errors = gateway.errors()
        booked: dict[int, list[dict[str, Any]]] = {processes: [] for processes in order}
        raw: list[dict[str, Any]] = []
        for round_, plan in enumerate(planned):
            for processes, warm_up, departure in plan:
                with serving(processes=processes, sqs=sqs) as server:
                    _warm_up(server, users, warm_up)
                    log(f"bookings: round {round_ + 1}/{rounds}, {processes} gateway process(es): bookings for "
                        f"≤ {seconds} s")
                    booked[processes].append(throughput(server, users, departure, seconds=seconds, sqs=sqs))
                    gateway_errors += server.errors()
                log(f"bookings: the gateway stopped; pgbench -T {seconds}")
                raw.append(pgbench(scratch, seconds))
                log(f"bookings: pgbench {raw[-1]['tps']:.0f} tps")
    tps = round(statistics.median(result["tps"] for result in raw), 1)
    rates = {processes: round(statistics.median(result["bookings_per_s"] for result in results), 1)
             for processes, results in booked.items()}
    ratios = {processes: round(rate / tps, 4) for processes, rate in rates.items()}
    measured = [result for results in booked.values() for result in results]
    # What the flag says: no booking beyond capacity, none without its seat, no 5xx (requests that got no answer in
    # wrk's time are counted apart, below: they are a latency failure, not a server error)
    clean = all(result["server_errors_5xx"] == 0 and result["database"]["oversold"] == 0
                and result["every_booking_holds_its_seat"] for result in measured) \
        and contended["server_errors_5xx"] == 0 and contended["database"]["invariant_holds"] \
        and contended["sold_matches_database"]
    unanswered = sum(result["no_response"] for result in measured) + contended["no_response"]
    met = {processes: ratios[processes] >= TARGETS[processes] for processes in booked}
    return {
        "what": "POST /v1/bookings through the inprocess gateway (subprocesses, their default settings, Redis cache, "
                "access log on, outbox events published to SQS right after each commit: moto in a process of its "
                "own) on the same 2-core machine: (a) from a python load generator (httpx, 32 connections), (b) "
                "from wrk (2 threads, 32 connections), as pgbench is a C client too",
        "gateway": f"python -m local_gateway serve --mode inprocess --no-schedules --no-queues --processes "
                   f"{PROCESSES} and --processes 1, started for each round and stopped before its pgbench (the "
                   "serve command's pool: 32 connections kept per process, 8 more for a burst, "
                   "REDIS_URL set, PUSHGATEWAY_URL empty, AWS_ENDPOINT_URL the bench's moto, its notifications "
                   f"queue purged every {PURGE_SECONDS} s)",
        "database": DATABASE_URL.split("@")[-1],
        "concurrency": CONCURRENCY,
        "users": USERS,
        "contention": contended,
        "throughput_rounds": booked[PROCESSES],
        "throughput_rounds_one_process": booked[1],
        "pgbench_rounds": raw,
        "gateway_stderr_errors": gateway_errors[:20],
        "gateway_processes": PROCESSES,
        "bookings_per_s_median": rates[PROCESSES],
        "bookings_per_s_median_one_process": rates[1],
        "pgbench_tps_median": tps,
        "ratio_to_pgbench": ratios[PROCESSES],
        "ratio_to_pgbench_one_process": ratios[1],
        "target_ratio": TARGETS[PROCESSES],
        "target_ratio_one_process": TARGETS[1],
        "met_one_process": met[1] and clean and contended["correct"],
        "zero_oversold_zero_5xx": clean,
        "no_answer": unanswered,
        "met": all(met.values()) and clean and contended["correct"],
    }
