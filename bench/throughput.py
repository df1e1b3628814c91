"""Bench B (issue 6): gateway throughput for a cached GET /v1/tours/{id} and GET /v1/health, with wrk.

Side by side in one run, every server started once and warmed up:
- a bare Starlette "hello" app (`bench.throughput:hello`, an async endpoint returning a small JSON);
- the GetTour function's own app called directly as ASGI (`bench.throughput:direct_get_tour`: a wrapper that
  injects the Lambda event the adapter reads its path parameter from, `scope["aws.event"]`);
- `python -m local_gateway serve --mode inprocess` and `--mode isolated` (default number of environments),
  each asked for GET /v1/tours/{id} and GET /v1/health.
All under uvicorn with one worker, `--no-access-log`, log level warning (the gateway sets the same itself).
`wrk -t2 -c32 -d10s --latency` runs against each target in turn, the order rotating each round; the figure
is the median requests/s of the rounds, the p99 that of the median round. With both cache modes, both sets of
servers run at once and each target of one mode is followed by the same target of the other (issue 18), and
the inprocess gateway's cache hits, misses and errors are read from its /metrics at the end.

The ratio to the hello, three ways: `ratio_to_hello`, the target's median requests/s over the hello's;
`paired_ratio_to_hello`, the median over the rounds of the target's requests/s over that round's hello's (the hello
and the gateway's cached tour run one right after the other, in an order that flips every round, so that the load
of a shared machine moves both runs of a pair alike; the target's `ratio_met` is decided on this one); and
`cpu_ratio_to_hello` (with `paired_cpu_ratio_to_hello`), the hello's server CPU per request over the target's (user +
system time of the server process over the requests wrk counted), which a busy machine moves less than requests/s.

`--cache memory` leaves REDIS_URL unset (the in-process cache), `--cache redis` points every server at
redis://127.0.0.1:6379/12 (flushed first; `THROUGHPUT_BENCH_REDIS_URL` overrides). The tour is a published one of
`tourbook_cat10k` (`THROUGHPUT_BENCH_DATABASE` overrides) with departures and without pictures: a picture is shown
as presigned URLs signed per read (about 0.35 ms each with botocore, three per demo picture), which would measure
the signing, not the cache. With both caches, `redis_to_memory` compares the
gateway's cached GET /v1/tours/{id} with Redis to the same with the in-process cache (issue 18: at least 0.8).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.common import PYTHON, free_port, log, started
from bench.gateway import cpu_seconds, wrk

PG = "postgresql+asyncpg://tourbook:tourbook@127.0.0.1:5432/"
# Both overridable, so that a run on a machine shared with other work uses a database and Redis db of its own.
DATABASE = os.environ.get("THROUGHPUT_BENCH_DATABASE", "tourbook_cat10k")
REDIS_DB_URL = os.environ.get("THROUGHPUT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
RATIO_TARGET = 0.2
REDIS_TO_MEMORY_TARGET = 0.8
P99_TARGET_MS = 60.0


# -- the two apps served directly by uvicorn ----------------------------------------------------------------


async def _hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": "world"})


hello = Starlette(routes=[Route("/", _hello)])


async def direct_get_tour(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """functions.tours.get_tour.handler.app with the API Gateway event its adapter expects."""
    from functions.tours.get_tour import handler

    if scope["type"] == "http":
        tour_id = scope["path"].rstrip("/").rpartition("/")[2]
        scope = dict(scope)
        scope["aws.event"] = {
            "version": "2.0", "routeKey": "GET /v1/tours/{tour_id}", "rawPath": scope["path"],
            "pathParameters": {"tour_id": tour_id},
            "requestContext": {"requestId": str(uuid.uuid4()), "routeKey": "GET /v1/tours/{tour_id}",
                               "http": {"method": "GET", "path": scope["path"], "sourceIp": "127.0.0.1"}},
        }
    await handler.app(scope, receive, send)


# -- servers --------------------------------------------------------------------------------------------------


def environment(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "PUSHGATEWAY_URL": "", "LOG_LEVEL": "INFO"})
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    for name in ("GATEWAY_MODE", "GATEWAY_WORKERS", "PORT"):
        env.pop(name, None)
    return env


@contextmanager
def serving(name: str, command: list[str], probe_url: str, env: dict[str, str],
            timeout: float = 120.0) -> Iterator[int]:
    """Start a server, wait until `probe_url` answers (any status), stop it by its own pid on the way out."""
    with started(name, command, probe_url, env, timeout=timeout) as process:
        yield process.pid


def gateway_command(mode: str, port: int) -> list[str]:
    return [PYTHON, "-m", "local_gateway", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-schedules",
            "--no-queues", "--mode", mode]


def uvicorn_command(app: str, port: int) -> list[str]:
    return [PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--log-level", "warning", "--no-access-log"]


def published_tour(database: str) -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "tourbook", "-d", database, "-tAc",
         "SELECT t.id FROM tour t WHERE t.is_published AND EXISTS (SELECT 1 FROM departure d WHERE d.tour_id = t.id "
         "AND d.status = 'open' AND d.starts_on > current_date) "
         "AND NOT EXISTS (SELECT 1 FROM tour_image i WHERE i.tour_id = t.id) ORDER BY t.slug LIMIT 1"],
        env={**os.environ, "PGPASSWORD": "tourbook"}, check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Target:
    name: str
    server: str
    url: str
    runs: list[dict[str, Any]] = field(default_factory=list)


def run(rounds: int = 3, seconds: int = 10, connections: int = 32, threads: int = 2,
        caches: tuple[str, ...] = ("memory",)) -> dict[str, Any]:
    """Every cache mode's servers run at once and their targets take turns in each round, so that a ratio between
    two modes compares runs made under the same load (the machine is shared)."""
    tour_id = published_tour(DATABASE)
    report: dict[str, Any] = {"tour_id": tour_id, "database": DATABASE, "caches": {}}
    tour_path = f"/v1/tours/{tour_id}"
    servers: dict[tuple[str, str], tuple[list[str], str, dict[str, str]]] = {}
    targets: dict[str, list[Target]] = {}
    for cache in caches:
        redis_url = REDIS_DB_URL if cache == "redis" else None
        if redis_url:
            flush_redis(redis_url)
        env = environment(PG + DATABASE, redis_url)
        ports = {name: free_port() for name in ("hello", "direct", "inprocess", "isolated")}
        commands = {
            "hello": uvicorn_command("bench.throughput:hello", ports["hello"]),
            "direct": uvicorn_command("bench.throughput:direct_get_tour", ports["direct"]),
            "inprocess": gateway_command("inprocess", ports["inprocess"]),
            "isolated": gateway_command("isolated", ports["isolated"]),
        }
        base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for name, command in commands.items():
            servers[cache, name] = command, base[name] + ("/" if name == "hello" else tour_path), env
        # The tour's pictures are shown as presigned URLs, signed in process (no call): the direct app needs
        # credentials to sign with, which the gateway gives its functions itself (its moto server's).
        servers[cache, "direct"] = (commands["direct"], servers[cache, "direct"][1],
                                    env | {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                                           "AWS_DEFAULT_REGION": "eu-west-1"})
        targets[cache] = [
            Target("bare Starlette hello (uvicorn)", "hello", base["hello"] + "/"),
            Target("GetTour app direct as ASGI (uvicorn)", "direct", base["direct"] + tour_path),
            Target("gateway inprocess GET /v1/tours/{id}", "inprocess", base["inprocess"] + tour_path),
            Target("gateway isolated GET /v1/tours/{id}", "isolated", base["isolated"] + tour_path),
            Target("gateway inprocess GET /v1/health", "inprocess", base["inprocess"] + "/v1/health"),
            Target("gateway isolated GET /v1/health", "isolated", base["isolated"] + "/v1/health"),
        ]
    # One target of each mode after the other (memory direct, redis direct, ...), in blocks that take turns leading
    # the round. The hello and the gateway's cached tour are one block, each mode's two runs next to each other and
    # the modes' gateways too (memory hello, memory gateway, redis gateway, redis hello), the block reversed every
    # other round: each round's ratio of a gateway to its hello compares runs made one after the other.
    rows = list(zip(*targets.values()))
    pairs = [[(cache, hello), (cache, gateway)] for cache, hello, gateway in zip(caches, rows[0], rows[2])]
    first = [turn for index, pair in enumerate(pairs) for turn in (pair[::-1] if index % 2 else pair)]
    blocks = [first, *([(cache, target) for cache, target in zip(caches, row)] for row in (rows[1], *rows[3:]))]
    pids: dict[tuple[str, str], int] = {}
    with ExitStack() as stack:
        for (cache, name), (command, probe, env) in servers.items():
            log(f"throughput[{cache}]: starting {name}")
            pids[cache, name] = stack.enter_context(serving(f"{cache} {name}", command, probe, env))
        for row in rows:  # warm-up: connections, caches, isolated environments
            for target in row:
                wrk(target.url, threads=threads, connections=connections, seconds=3)
        for round_ in range(rounds):
            shift = round_ % len(blocks)
            flipped = [first[::-1] if round_ % 2 else first, *blocks[1:]]
            for cache, target in [turn for block in flipped[shift:] + flipped[:shift] for turn in block]:
                cpu_before = cpu_seconds(pids[cache, target.server])
                result = wrk(target.url, threads=threads, connections=connections, seconds=seconds)
                cpu = cpu_seconds(pids[cache, target.server]) - cpu_before
                result["server_cpu_ms_per_request"] = round(cpu * 1000 / max(1, result["requests"] or 0), 4)
                result["loadavg_1m"] = round(os.getloadavg()[0], 2)
                target.runs.append(result)
                log(f"throughput[{cache}]: round {round_ + 1}/{rounds} {target.name}: "
                    f"{result['requests_per_s']:.0f} req/s, p99 {result['latency_ms'].get('p99')} ms")
        for cache in caches:
            report["caches"][cache] = _summarise(
                targets[cache], {name: command for (mode, name), (command, _, _) in servers.items() if mode == cache},
                REDIS_DB_URL if cache == "redis" else None)
            report["caches"][cache]["gateway_cache_requests"] = _cache_requests(servers[cache, "inprocess"][1])
    if {"memory", "redis"} <= set(report["caches"]):
        def rps(cache: str, target: str) -> float:
            return float(report["caches"][cache]["targets"][target]["requests_per_s_median"])

        gateway, direct = "gateway inprocess GET /v1/tours/{id}", "GetTour app direct as ASGI (uvicorn)"
        ratio = rps("redis", gateway) / rps("memory", gateway)
        p99 = float(report["caches"]["redis"]["targets"][gateway]["median_round_latency_ms"].get("p99", float("inf")))
        report["redis_to_memory"] = {
            "ratio": round(ratio, 3), "target": REDIS_TO_MEMORY_TARGET, "ratio_met": ratio >= REDIS_TO_MEMORY_TARGET,
            "redis_p99_ms": p99, "p99_met": p99 <= P99_TARGET_MS,
            "direct_app_ratio": round(rps("redis", direct) / rps("memory", direct), 3),
        }
    return report


def _cache_requests(probe: str) -> dict[str, float]:
    """The inprocess gateway's cache hits, misses and errors (`tourbook_cache_requests_total`) since it started."""
    import re
    import urllib.request

    with urllib.request.urlopen(probe.split("/v1/", 1)[0] + "/metrics", timeout=30) as response:
        text = response.read().decode()
    counts: dict[str, float] = {}
    for result, value in re.findall(r'^tourbook_cache_requests_total\{[^}]*result="(\w+)"[^}]*\}\s+([\d.e+]+)$', text,
                                    re.M):
        counts[result] = counts.get(result, 0.0) + float(value)
    return counts


def _summarise(targets: list[Target], commands: dict[str, list[str]], redis_url: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "REDIS_URL": redis_url or "unset (in-process cache)",
        "commands": {name: " ".join("python" if part == PYTHON else part for part in command)
                     for name, command in commands.items()},
        "targets": {},
    }
    hello = targets[0].runs
    hello_rps = statistics.median(run["requests_per_s"] for run in hello)
    hello_cpu = statistics.median(run["server_cpu_ms_per_request"] for run in hello)
    for target in targets:
        rps = [run["requests_per_s"] for run in target.runs]
        median = statistics.median(rps)
        median_run = sorted(target.runs, key=lambda run: run["requests_per_s"])[len(target.runs) // 2]
        cpu = statistics.median(run["server_cpu_ms_per_request"] for run in target.runs)
        # Each round's ratio to that round's hello, then their median: the machine's load moves both runs of a
        # round (next to each other for the gateway's cached tour) more alike than it moves two medians.
        paired = [run["requests_per_s"] / base["requests_per_s"] for run, base in zip(target.runs, hello)]
        paired_cpu = [base["server_cpu_ms_per_request"] / run["server_cpu_ms_per_request"]
                      for run, base in zip(target.runs, hello) if run["server_cpu_ms_per_request"]]
        out["targets"][target.name] = {
            "url_path": target.url.split("/", 3)[3] if target.url.count("/") >= 3 else "/",
            "requests_per_s_median": round(median, 1),
            "requests_per_s_runs": rps,
            "ratio_to_hello": round(median / hello_rps, 3),
            "paired_ratio_to_hello": round(statistics.median(paired), 3),
            "paired_ratios_to_hello": [round(ratio, 3) for ratio in paired],
            # The hello's server CPU per request over this target's: what the ratio would be with a server that
            # has a core of its own, and less at the mercy of the load of the machine than requests/s are.
            "cpu_ratio_to_hello": round(hello_cpu / cpu, 3) if cpu else None,
            "paired_cpu_ratio_to_hello": round(statistics.median(paired_cpu), 3) if paired_cpu else None,
            "median_round_latency_ms": median_run["latency_ms"],
            "server_cpu_ms_per_request_median": cpu,
            "non_2xx_total": sum(run["non_2xx_3xx"] for run in target.runs),
            "socket_errors": [run["socket_errors"] for run in target.runs],
            "runs": target.runs,
        }
    main = out["targets"]["gateway inprocess GET /v1/tours/{id}"]
    p99 = float(main["median_round_latency_ms"].get("p99", float("inf")))
    clean = all(info["non_2xx_total"] == 0 and all(err == "none" for err in info["socket_errors"])
                for info in out["targets"].values())
    out["target"] = {
        "inprocess_ratio_to_hello": main["ratio_to_hello"], "inprocess_cpu_ratio_to_hello": main["cpu_ratio_to_hello"],
        "inprocess_paired_ratio_to_hello": main["paired_ratio_to_hello"],
        "inprocess_paired_cpu_ratio_to_hello": main["paired_cpu_ratio_to_hello"],
        "ratio_target": RATIO_TARGET,
        # requests/s as the target says, by the median of the rounds' paired ratios (the ratio of the medians and
        # the CPU ratios beside it)
        "ratio_met": main["paired_ratio_to_hello"] >= RATIO_TARGET,
        "median_round_p99_ms": p99, "p99_target_ms": P99_TARGET_MS, "p99_met": p99 <= P99_TARGET_MS,
        "no_errors_any_round": clean,
        "isolated_ratio_to_hello": out["targets"]["gateway isolated GET /v1/tours/{id}"]["ratio_to_hello"],
    }
    out["target"]["met"] = out["target"]["ratio_met"] and out["target"]["p99_met"] and clean
    return out
