"""Bench A (issues 3, 18): GET /v1/tours at 100 000 and 1 000 000 tours (× 10 departures), cold and warm cache.

For each size: the database `tourbook_catNk` is created, migrated and seeded with `local_gateway.seed`
unless it already holds the tours; an inprocess gateway serves it with REDIS_URL=redis://127.0.0.1:6379/11
(flushed first). Three query shapes (`SHAPES`). Per shape:
- one connection (keep-alive, sequential): **cold** = FLUSHDB of that Redis database before every request
  (outside the timing: versions, list pages, cards and seat counts are all gone), **warm** = the same
  request repeated after one priming request;
- wrk at 32 connections on the warm URL, and a cold variant whose Lua script adds `min_price=<counter>`
  (below every seeded price, so the same rows, but a new cache key on every request);
- SQL statements per request, from the gateway's own /metrics (tourbook_integration_duration_seconds_count
  for integration="db", which an SQLAlchemy `before_cursor_execute` listener feeds) around each loop;
- the selective shapes (`selective_shapes`: a rare word, a word no tour has, a one-day window): cold and warm
  at one connection only (targets since issue 18, like the three shapes);
- at the largest size, EXPLAIN (ANALYZE, BUFFERS) of the statement `shared.tours.queries.list_tours` builds,
  compiled with literal binds (`python -m bench.catalogue explain DATABASE_URL`).
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from typing import Any

from bench import stats
from bench.common import PYTHON, ROOT, free_port, log
from bench.gateway import wrk
from bench.throughput import PG, environment, flush_redis, gateway_command, serving

# Both overridable, so that a run on a machine shared with other work uses a database and Redis db of its own.
REDIS_URL = os.environ.get("CATALOGUE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
DATABASE_PREFIX = os.environ.get("CATALOGUE_BENCH_DATABASE_PREFIX", "tourbook_cat")
SIZES = (100_000, 1_000_000)
DEPARTURES_PER_TOUR = 10
P95_COLD_TARGET_MS = 50.0
P95_WARM_TARGET_MS = 5.0


def shapes(today: dt.date) -> dict[str, dict[str, str]]:
    start = today + dt.timedelta(days=30)
    return {
        "q=canyon": {"q": "canyon"},
        "30-day window, seats=2": {"date_from": start.isoformat(),
                                   "date_to": (start + dt.timedelta(days=29)).isoformat(), "seats": "2"},
        "country=Peru&sort=price": {"country": "Peru", "sort": "price"},
    }


def selective_shapes(today: dt.date) -> dict[str, dict[str, str]]:
    """Diagnostics for EXPLAIN only: filters that match few or no tours (the sort index is walked further)."""
    day = (today + dt.timedelta(days=30)).isoformat()
    return {
        "q=Tromsø (a city: ~1.7% of tours)": {"q": "Tromsø"},
        "q=zzzunmatched (no tour)": {"q": "zzzunmatched"},
        "one-day window, seats=10": {"date_from": day, "date_to": day, "seats": "10"},
    }


def database_name(size: int) -> str:
    return f"{DATABASE_PREFIX}{size // 1000}k"


def _psql(database: str, sql: str) -> str:
    done = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "tourbook", "-d", database, "-tAc", sql],
                          env={**os.environ, "PGPASSWORD": "tourbook"}, check=True, capture_output=True, text=True,
                          timeout=120)
    return done.stdout.strip()


def prepare(size: int) -> dict[str, Any]:
    """Create, migrate and seed the database unless it already holds `size` synthetic tours."""
    name = database_name(size)
    url = PG + name
    if _psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        _psql("postgres", f"CREATE DATABASE {name}")
    subprocess.run([str(ROOT / ".venv/bin/alembic"), "upgrade", "head"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url}, timeout=300)
    synthetic = int(_psql(name, "SELECT count(*) FROM tour WHERE slug LIKE 'synthetic-%'"))
    seeded, seed_seconds = False, None
    if synthetic < size:
        if synthetic:
            raise RuntimeError(f"{name} holds {synthetic} synthetic tours, not {size}: drop it and run again")
        log(f"catalogue: seeding {name}")
        started = time.perf_counter()
        subprocess.run([PYTHON, "-m", "local_gateway.seed", "--tours", str(size), "--departures",
                        str(DEPARTURES_PER_TOUR), "--database-url", url], cwd=ROOT, check=True,
                       timeout=max(900, size // 200), capture_output=True)
        seeded, seed_seconds = True, round(time.perf_counter() - started, 1)
    counts = _psql(name, "SELECT (SELECT count(*) FROM tour) || ' ' || (SELECT count(*) FROM departure)").split()
    return {"database": name, "tours": int(counts[0]), "departures": int(counts[1]), "seeded_now": seeded,
            "seed_seconds": seed_seconds}


def _statements(port: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    pattern = r'^tourbook_integration_duration_seconds_count\{[^}]*integration="db"[^}]*\}\s+([\d.e+]+)$'
    return sum(float(value) for value in re.findall(pattern, text, re.M))


def _loop(port: int, path: str, count: int, budget_s: float, *, cold: bool) -> dict[str, Any]:
    import redis

    flusher = redis.Redis.from_url(REDIS_URL)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings: list[float] = []
    statuses: dict[int, int] = {}
    items: set[int] = set()
    before = _statements(port)
    deadline = time.monotonic() + budget_s
    try:
        while len(timings) < count and time.monotonic() < deadline:
            if cold:
                flusher.flushdb()
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            timings.append(time.perf_counter() - started)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status == 200:
                items.add(len(json.loads(body).get("items", [None])))  # a tour alone counts as one item
    finally:
        connection.close()
        flusher.close()
    statements = _statements(port) - before
    return {"latency_ms": stats.summary(timings, scale=1000), "statuses": statuses, "items_per_page": sorted(items),
            "sql_statements_per_request": round(statements / max(1, len(timings)), 3)}


_COLD_LUA = """
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "&min_price=" .. (n * 2 + tid))
end
"""


def _wrk_cold(url: str, seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_COLD_LUA)
    try:
        command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", script.name, url]
        output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(script.name)
    return _parse_wrk(output)


def _parse_wrk(output: str) -> dict[str, Any]:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency = {f"p{p}": round(float(v) * units[u], 3)
               for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)}
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests_per_s": float(match.group(1)) if match else 0.0, "latency_ms": latency,
            "requests": int(total.group(1)) if total else None,
            "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else "none"}


def explain(database_url: str) -> dict[str, Any]:
    """In a child process (the settings read the environment): EXPLAIN (ANALYZE, BUFFERS) of each shape."""
    done = subprocess.run([PYTHON, "-m", "bench.catalogue", "explain", database_url], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=300,
                          env={**environment(database_url, REDIS_URL), "LOG_LEVEL": "WARNING"})
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


async def _explain_child() -> dict[str, Any]:
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from shared.core import db
    from shared.core.uow import UnitOfWork
    from shared.tours import queries
    from shared.tours.cards import today
    from shared.tours.schemas import ToursQuery

    day = today()
    plans: dict[str, Any] = {}
    try:
        for label, params in (shapes(day) | selective_shapes(day)).items():
            statement, values = queries.list_tours(ToursQuery.model_validate(params), day)
            dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
            sql = str(statement.params(values).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            async with UnitOfWork() as uow:
                await uow.session.execute(text(sql))  # once to warm shared buffers, as a running service would be
                rows = (await uow.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql))).scalars().all()
            plan = [str(row) for row in rows]
            execution = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(plan))
            plans[label] = {"sql": sql, "plan": plan, "selective_diagnostic": label in selective_shapes(day),
                            "execution_ms": float(execution.group(1)) if execution else None,
                            "indexes_used": sorted(set(re.findall(r"[Ii]ndex (?:Only )?Scan(?: Backward)? using (\w+)",
                                                                  "\n".join(plan))
                                                       + re.findall(r"Bitmap Index Scan on (\w+)", "\n".join(plan)))),
                            "seq_scans": sorted(set(re.findall(r"Seq Scan on (\w+)", "\n".join(plan))))}
    finally:
        await db.dispose_all()
    return plans


def run(sizes: tuple[int, ...] = SIZES, cold_requests: int = 200, warm_requests: int = 300,
        loop_budget_s: float = 30.0, seconds: int = 10) -> dict[str, Any]:
    report: dict[str, Any] = {"redis": REDIS_URL, "sizes": {}}
    day = dt.datetime.now(dt.timezone.utc).date()
    for size in sizes:
        info = prepare(size)
        url = PG + info["database"]
        flush_redis(REDIS_URL)
        port = free_port()
        per_shape: dict[str, Any] = {}
        with serving(f"gateway {info['database']}", gateway_command("inprocess", port),
                     f"http://127.0.0.1:{port}/v1/health", environment(url, REDIS_URL)):
            for label, params in shapes(day).items():
                path = "/v1/tours?" + urllib.parse.urlencode(params)
                base = f"http://127.0.0.1:{port}{path}"
                _loop(port, path, 5, 10, cold=True)  # connections, first invocation, shared buffers
                cold = _loop(port, path, cold_requests, loop_budget_s, cold=True)
                _loop(port, path, 1, 10, cold=False)
                warm = _loop(port, path, warm_requests, loop_budget_s, cold=False)
                if shutil.which("wrk"):
                    warm_wrk = wrk(base, threads=2, connections=32, seconds=seconds)
                    cold_wrk = _wrk_cold(base, seconds)
                    cold_wrk["loadavg_1m"] = warm_wrk["loadavg_1m"] = round(os.getloadavg()[0], 2)
                else:  # the one-connection loops above still measure latency and SQL per request
                    warm_wrk = cold_wrk = {"skipped": "wrk is not installed", "requests_per_s": 0.0}
                per_shape[label] = {"path": path, "cold": cold, "warm": warm, "wrk_warm": warm_wrk,
                                    "wrk_cold_min_price_counter": cold_wrk}
                log(f"catalogue {size}: {label}: cold p95 {cold['latency_ms']['p95']} ms "
                    f"({cold['sql_statements_per_request']} SQL), warm p95 {warm['latency_ms']['p95']} ms "
                    f"({warm['sql_statements_per_request']} SQL), wrk warm {warm_wrk['requests_per_s']:.0f}/s, "
                    f"cold {cold_wrk['requests_per_s']:.0f}/s")
            selective: dict[str, Any] = {}
            for label, params in selective_shapes(day).items():  # diagnostics: one connection, fewer requests
                path = "/v1/tours?" + urllib.parse.urlencode(params)
                _loop(port, path, 3, 10, cold=True)
                selective[label] = {"path": path, "cold": _loop(port, path, 100, loop_budget_s, cold=True),
                                    "warm": _loop(port, path, 200, loop_budget_s, cold=False)}
                log(f"catalogue {size}: {label}: cold p95 {selective[label]['cold']['latency_ms']['p95']} ms, "
                    f"warm p95 {selective[label]['warm']['latency_ms']['p95']} ms")
            # One tour by its slug (issue 17): cold is one statement (the slug's row), warm no SQL.
            slug = _psql(info["database"], "SELECT slug FROM tour WHERE is_published ORDER BY created_at DESC LIMIT 1")
            path = f"/v1/tours/{slug}"
            _loop(port, path, 3, 10, cold=True)
            by_slug: dict[str, Any] = {"path": path, "cold": _loop(port, path, cold_requests, loop_budget_s, cold=True),
                                       "warm": _loop(port, path, warm_requests, loop_budget_s, cold=False)}
            log(f"catalogue {size}: tour by slug: cold p95 {by_slug['cold']['latency_ms']['p95']} ms "
                f"({by_slug['cold']['sql_statements_per_request']} SQL), warm p95 "
                f"{by_slug['warm']['latency_ms']['p95']} ms ({by_slug['warm']['sql_statements_per_request']} SQL)")
        report["sizes"][str(size)] = {**info, "shapes": per_shape, "selective": selective, "tour_by_slug": by_slug}
        if size == max(sizes):
            report["explain_at"] = size
            report["explain"] = explain(url)
    report["targets"] = _targets(report, sizes)
    return report


def _targets(report: dict[str, Any], sizes: tuple[int, ...]) -> dict[str, Any]:
    largest = report["sizes"][str(max(sizes))]["shapes"] | report["sizes"][str(max(sizes))]["selective"]
    smallest = report["sizes"][str(min(sizes))]["shapes"] | report["sizes"][str(min(sizes))]["selective"]
    out: dict[str, Any] = {}
    for label, data in largest.items():
        cold, warm = data["cold"]["latency_ms"]["p95"], data["warm"]["latency_ms"]["p95"]
        growth = cold / smallest[label]["cold"]["latency_ms"]["p95"] if len(sizes) > 1 else None
        out[label] = {
            "cold_p95_ms": cold, "cold_met": cold <= P95_COLD_TARGET_MS,
            "warm_p95_ms": warm, "warm_met": warm <= P95_WARM_TARGET_MS,
            "cold_p95_growth_small_to_large": round(growth, 2) if growth else None,
            "sub_linear": growth is not None and growth < max(sizes) / min(sizes),
            "cold_sql_per_request": data["cold"]["sql_statements_per_request"],
            "warm_sql_per_request": data["warm"]["sql_statements_per_request"],
        }
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "explain":
        import asyncio

        print(json.dumps(asyncio.run(_explain_child())))
    else:
        print("usage: python -m bench.catalogue explain DATABASE_URL (the bench runs through bench.run)",
              file=sys.stderr)
        raise SystemExit(2)
