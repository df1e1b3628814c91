"""Bench 4: the local gateway's overhead, with wrk, against the same function's app served by uvicorn directly.

The route is GET /v1/auth/me without a token: the adapter runs in full (Mangum's translation in the
gateway, the Starlette app, the authenticator, problem+json, metrics, the log line) and answers 401
before any I/O, so the bench measures the gateway and the adapter, not PostgreSQL.

Three servers run side by side on free ports (started once, warmed up, stopped at the end):
- direct: `uvicorn functions.auth.get_me:handler.app` (no Lambda event, so its route label is "unmatched");
- inprocess: `python -m local_gateway serve --mode inprocess`;
- isolated: `python -m local_gateway serve --mode isolated` (its default number of environments).
`wrk -t2 -c32 -d10s --latency` runs against each in turn, the order rotating each round; the ratio is
the median requests/s of the gateway over the median of direct, all from the same run. Beside it, the
server's CPU time per request (from /proc, all threads): the machine is shared, and CPU per request is
far less sensitive than requests/s to what else runs on it.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import DATABASE_URL, PYTHON, REDIS_URL, free_port, log, started

ROUTE = "/v1/auth/me"
RATIO_TARGET = 0.6
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    rps: list[float] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    pid: int | None = None
    cpu_ms_per_request: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{ROUTE}"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PUSHGATEWAY_URL": "", "LOG_LEVEL": "INFO"})
    for name in ("GATEWAY_MODE", "GATEWAY_WORKERS", "PORT"):
        env.pop(name, None)
    return env


@contextmanager
def running(server: Server, timeout: float = 90.0) -> Iterator[Server]:
    """Start the server, wait until the route answers, stop it (by its own pid) on the way out."""
    with started(server.name, server.command, server.url, _environment(), timeout=timeout) as process:
        server.pid, server.status = process.pid, process.status
        yield server


def cpu_seconds(pid: int) -> float:
    """User + system time of a process and all its threads, from /proc (clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, *, threads: int, connections: int, seconds: int) -> dict[str, Any]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    latency = {
        f"p{percent}": round(float(value) * _UNITS_MS[unit], 3)
        for percent, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(match.group(1)),
        "latency_ms": latency,
        "requests": int(total.group(1)) if total else None,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "none",
    }


def run(rounds: int = 3, seconds: int = 10, connections: int = 32, threads: int = 2) -> dict[str, Any]:
    gateway = [PYTHON, "-m", "local_gateway", "serve", "--host", "127.0.0.1", "--no-schedules", "--no-queues"]
    servers = [
        Server("direct uvicorn (handler.app)", [PYTHON, "-m", "uvicorn", "functions.auth.get_me:handler.app",
                                                "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"],
               free_port()),
        Server("gateway inprocess", [*gateway, "--mode", "inprocess"], free_port()),
        Server("gateway isolated", [*gateway, "--mode", "isolated"], free_port()),
    ]
    servers[0].command += ["--port", str(servers[0].port)]
    for server in servers[1:]:
        server.command += ["--port", str(server.port)]

    with ExitStack() as stack:
        for server in servers:
            log(f"gateway: starting {server.name} on port {server.port}")
            stack.enter_context(running(server))
        for server in servers:  # warm-up: connections, first-invocation work, caches
            wrk(server.url, threads=threads, connections=connections, seconds=2)
        for round_ in range(rounds):
            order = servers[round_ % len(servers):] + servers[:round_ % len(servers)]
            for server in order:
                assert server.pid is not None
                cpu_before = cpu_seconds(server.pid)
                result = wrk(server.url, threads=threads, connections=connections, seconds=seconds)
                cpu = cpu_seconds(server.pid) - cpu_before
                result["server_cpu_ms_per_request"] = round(cpu * 1000 / max(1, result["requests"] or 0), 4)
                server.cpu_ms_per_request.append(result["server_cpu_ms_per_request"])
                server.rps.append(result["requests_per_s"])
                server.runs.append(result)
                log(f"gateway: round {round_ + 1}/{rounds} {server.name}: {result['requests_per_s']:.0f} req/s")

    direct = statistics.median(servers[0].rps)
    direct_cpu = statistics.median(servers[0].cpu_ms_per_request)
    report: dict[str, Any] = {}
    for server in servers:
        median = statistics.median(server.rps)
        cpu_per_request = statistics.median(server.cpu_ms_per_request)
        report[server.name] = {
            "command": " ".join(part if part != PYTHON else "python" for part in server.command),
            "status_of_route": server.status,
            "requests_per_s_median": round(median, 1),
            "requests_per_s_runs": server.rps,
            "ratio_to_direct": round(median / direct, 3),
            "server_cpu_ms_per_request_median": cpu_per_request,
            "cpu_ratio_direct_over_this": round(direct_cpu / cpu_per_request, 3),
            "runs": server.runs,
        }
    inprocess = report["gateway inprocess"]["ratio_to_direct"]
    return {
        "what": "requests/s through the local gateway vs the same function's Starlette app under uvicorn, same run",
        "route": f"GET {ROUTE} without a token (401 from the authenticator: the adapter runs, no I/O)",
        "wrk": f"wrk -t{threads} -c{connections} -d{seconds}s --latency",
        "rounds": rounds,
        "servers": report,
        "inprocess_ratio": inprocess,
        "isolated_ratio": report["gateway isolated"]["ratio_to_direct"],
        "target_inprocess_ratio": RATIO_TARGET,
        "met": inprocess >= RATIO_TARGET,
    }
