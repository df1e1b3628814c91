"""Benches 2 and 3 inside one warm, Lambda-like process: `handler(event, context)` called in a loop.

Started by bench.warm as `python -I -S` with sys.path = the functions copy, the shared layer copy, the
runtime dependencies, then the project root (for bench.stats and local_gateway.events only), and the
variables of a deployed function (bench.common.lambda_environment). Handlers are called on the main
thread, as the Lambda runtime does; their JSON log lines go to /dev/null (formatted, not printed).

    python -m bench.lambda_child warm OUT --calls N
    python -m bench.lambda_child push OUT --calls N --blocks B
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.stats import summary
from local_gateway import events

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Context:
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = uuid.uuid4().hex

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def make_event(method: str, route: str, *, token: str | None = None, body: Any = None,
               source_ip: str = "127.0.0.1") -> dict[str, Any]:
    headers = [("user-agent", "bench"), ("host", "localhost")]
    raw = b""
    if body is not None:
        raw = json.dumps(body).encode()
        headers.append(("content-type", "application/json"))
    if token is not None:
        headers.append(("authorization", f"Bearer {token}"))
    return events.http_event(method, route, route_key=f"{method} {route}", headers=headers, body=raw,
                             source_ip=source_ip)


def invoke(handler: Handler, event: dict[str, Any], expect: int) -> dict[str, Any]:
    answer = handler(event, Context())
    if answer.get("statusCode") != expect:
        raise RuntimeError(f"expected {expect}, got {answer.get('statusCode')}: {str(answer.get('body'))[:300]}")
    return answer


class Samples:
    """Wall time and this thread's CPU time of each call (CPU time shrugs off other load on the machine)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def extend(self, other: Samples) -> None:
        self.wall += other.wall
        self.cpu += other.cpu


def timed(handler: Handler, build: Callable[[], dict[str, Any]], expect: int, calls: int) -> Samples:
    samples = Samples()
    for _ in range(calls):
        event = build()  # outside the clock: API Gateway builds the event, not the function
        started, started_cpu = time.perf_counter(), time.thread_time()
        answer = handler(event, Context())
        samples.cpu.append(time.thread_time() - started_cpu)
        samples.wall.append(time.perf_counter() - started)
        if answer.get("statusCode") != expect:
            raise RuntimeError(f"expected {expect}, got {answer.get('statusCode')}")
    return samples


class BenchUser:
    """A throw-away account made through the handlers (register, log in), deleted at the end."""

    def __init__(self) -> None:
        from functions.auth import log_in, register_user

        self.email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        password = uuid.uuid4().hex
        # a source address of its own, so repeated runs never meet the registration rate limit
        source_ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        started = time.perf_counter()
        invoke(register_user.handler, make_event("POST", "/v1/auth/register", source_ip=source_ip,
                                                 body={"email": self.email, "password": password}), 201)
        self.register_s = time.perf_counter() - started
        started = time.perf_counter()
        answer = invoke(log_in.handler, make_event("POST", "/v1/auth/login", source_ip=source_ip,
                                                   body={"email": self.email, "password": password}), 200)
        self.login_s = time.perf_counter() - started
        self.token: str = json.loads(answer["body"])["access_token"]

    def delete(self) -> None:
        from functions.users import delete_me

        invoke(delete_me.handler, make_event("DELETE", "/v1/users/me", token=self.token), 204)


def warm(calls: int) -> dict[str, Any]:
    from functions.auth import get_me

    user = BenchUser()
    try:
        def build() -> dict[str, Any]:
            return make_event("GET", "/v1/auth/me", token=user.token)

        timed(get_me.handler, build, 200, max(50, calls // 10))  # warm-up: pool, statement caches, branches
        samples = timed(get_me.handler, build, 200, calls)
    finally:
        user.delete()
    return {
        "route": "GET /v1/auth/me (valid token)",
        "invocation_ms": summary(samples.wall, scale=1000, digits=3),
        "invocation_cpu_ms": summary(samples.cpu, scale=1000, digits=3),
        "setup_register_ms": round(user.register_s * 1000, 1),
        "setup_login_ms": round(user.login_s * 1000, 1),
    }


def push(calls: int, blocks: int) -> dict[str, Any]:
    """The same cheap invocation with a push forced every time, and with no Pushgateway, in alternate blocks."""
    from functions.auth import get_me
    from prometheus_client.exposition import generate_latest

    from shared.core import metrics
    from shared.core.settings import reset_settings

    url = os.environ["BENCH_PUSHGATEWAY_URL"]

    def set_pushing(on: bool) -> None:
        os.environ["PUSHGATEWAY_URL"] = url if on else ""
        os.environ["METRICS_PUSH_INTERVAL_SECONDS"] = "0"
        reset_settings()
        if metrics._pusher is not None:
            metrics._pusher.close()
        metrics.reset_pusher()

    set_pushing(False)
    user = BenchUser()
    try:
        # One Lambda environment holds one function's series: forget register/log_in's, then let get_me
        # make the series a warm GetMe environment has (200s with their DB timings, 401s, its cold start).
        for collector in list(metrics.REGISTRY._collector_to_names):
            clear = getattr(collector, "clear", None)
            if clear is not None:
                clear()
        metrics.COLD_STARTS.labels(get_me.get_me.__name__).inc()
        for _ in range(20):
            invoke(get_me.handler, make_event("GET", "/v1/auth/me", token=user.token), 200)
            invoke(get_me.handler, make_event("GET", "/v1/auth/me"), 401)

        def build() -> dict[str, Any]:
            return make_event("GET", "/v1/auth/me")

        per_block = max(1, calls // blocks)
        samples = {True: Samples(), False: Samples()}
        set_pushing(True)
        timed(get_me.handler, build, 401, 50)  # warm-up of both paths (and the kept-alive connection)
        set_pushing(False)
        timed(get_me.handler, build, 401, 50)
        for block in range(blocks):
            for on in ((True, False) if block % 2 == 0 else (False, True)):
                set_pushing(on)
                samples[on].extend(timed(get_me.handler, build, 401, per_block))

        payload = generate_latest(metrics.REGISTRY)
        # The push on its own, over the kept-alive connection: rendering the registry, then the PUT.
        set_pushing(True)
        pusher = metrics.make_pusher({"function": "get_me", "instance": metrics.instance_id()}, interval=0)
        assert pusher is not None
        render = []
        for _ in range(500):
            started = time.perf_counter()
            generate_latest(metrics.REGISTRY)
            render.append(time.perf_counter() - started)
        put, refused = [], 0
        for _ in range(500):
            started = time.perf_counter()
            refused += not pusher._push(payload)
            put.append(time.perf_counter() - started)
        pusher.delete()  # the bench's group leaves the Pushgateway
        pusher.close()
    finally:
        set_pushing(False)
        user.delete()

    pushing = summary(samples[True].wall, scale=1000, digits=3)
    quiet = summary(samples[False].wall, scale=1000, digits=3)
    pushing_cpu = summary(samples[True].cpu, scale=1000, digits=3)
    quiet_cpu = summary(samples[False].cpu, scale=1000, digits=3)
    return {
        "route": "GET /v1/auth/me without a token (401: the adapter, no DB)",
        "pushing_every_invocation_ms": pushing,
        "no_pushgateway_ms": quiet,
        "push_cost_median_ms": round(float(pushing["median"]) - float(quiet["median"]), 3),
        "push_cost_mean_ms": round(float(pushing["mean"]) - float(quiet["mean"]), 3),
        "pushing_every_invocation_cpu_ms": pushing_cpu,
        "no_pushgateway_cpu_ms": quiet_cpu,
        "push_cost_cpu_median_ms": round(float(pushing_cpu["median"]) - float(quiet_cpu["median"]), 3),
        "render_only_ms": summary(render, scale=1000, digits=3),
        "put_only_ms": summary(put, scale=1000, digits=3),
        "puts_refused": refused,
        "payload_bytes": len(payload),
        "payload_series": sum(1 for line in payload.splitlines() if line and not line.startswith(b"#")),
        "registry_functions": sorted({
            line.split(b'function="')[1].split(b'"')[0].decode()
            for line in payload.splitlines() if b'function="' in line
        }),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lambda_child")
    parser.add_argument("mode", choices=("warm", "push"))
    parser.add_argument("out")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--blocks", type=int, default=8)
    options = parser.parse_args()
    sys.stdout = open(os.devnull, "w")  # the handlers' log lines: formatted and written, to nowhere
    result = warm(options.calls) if options.mode == "warm" else push(options.calls, options.blocks)
    result["python_path_head"] = sys.path[:4]
    result["cryptography_loaded"] = "cryptography" in sys.modules
    with open(options.out, "w") as stream:
        json.dump(result, stream)


if __name__ == "__main__":
    main()
