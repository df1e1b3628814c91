"""Benches 2 (warm GET /v1/auth/me) and 3 (the metrics push), each in its own Lambda-like process."""
from __future__ import annotations

import json
import subprocess
from typing import Any

from bench import lambda_tree
from bench.common import PUSHGATEWAY_URL, PYTHON, ROOT, WORK, lambda_environment, log

PUSH_COST_TARGET_MS = 2.0
PUSH_SHARE_TARGET = 0.01
DEFAULT_INTERVAL_S = 15.0
RATE_PER_S = 100.0


def _child(tree: lambda_tree.LambdaTree, mode: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    out = WORK / f"child-{mode}.json"
    out.unlink(missing_ok=True)
    paths = [str(tree.task), str(tree.layer), str(tree.deps), str(ROOT)]
    prelude = (
        "import sys; sys.dont_write_bytecode = True; "
        f"sys.path[0:0] = {json.dumps(paths)}; "
        "import runpy; runpy.run_module('bench.lambda_child', run_name='__main__', alter_sys=True)"
    )
    done = subprocess.run([PYTHON, "-I", "-S", "-c", prelude, mode, str(out), *args], env=env, cwd=tree.cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"bench.lambda_child {mode} failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def run_warm(calls: int = 2000) -> dict[str, Any]:
    tree = lambda_tree.build()
    variants = {}
    # NullPool connects on every call (~20 ms here): fewer calls keep the bench short, the median as stable.
    for label, pooler_safe, count in (
        ("pool of 1 kept warm (DB_POOLER_SAFE=false)", "false", calls),
        ("NullPool, a connection per invocation (DB_POOLER_SAFE=true, template default)", "true", min(calls, 500)),
    ):
        log(f"warm: {count} calls of GET /v1/auth/me, {label}")
        env = lambda_environment("GetMeFunction", DB_POOLER_SAFE=pooler_safe)
        variants[label] = _child(tree, "warm", env, "--calls", str(count))
    return {
        "what": "warm invocations of GET /v1/auth/me with a valid token: handler(event, context) in a loop in one "
                "warm Lambda-like process (JWT check, one PostgreSQL query, response, metrics, log line)",
        "calls": calls,
        "pushgateway": "none (bench 3 measures the push)",
        "variants": variants,
    }


def run_push(calls: int = 2000, blocks: int = 8, warm_mean_ms: float | None = None) -> dict[str, Any]:
    tree = lambda_tree.build()
    log(f"metrics push: {calls} calls each way in {blocks} alternating blocks")
    env = lambda_environment("GetMeFunction", BENCH_PUSHGATEWAY_URL=PUSHGATEWAY_URL)
    result = _child(tree, "push", env, "--calls", str(calls), "--blocks", str(blocks))
    cost = float(result["push_cost_median_ms"])
    mean_cheap = float(result["no_pushgateway_ms"]["mean"])
    invocations_per_push = DEFAULT_INTERVAL_S * RATE_PER_S

    def share(mean_ms: float) -> float:
        return round(cost / invocations_per_push / mean_ms, 6)

    result.update({
        "what": "the per-invocation cost of the Pushgateway push: the same warm loop with a push forced every "
                "invocation (METRICS_PUSH_INTERVAL_SECONDS=0) and with no PUSHGATEWAY_URL",
        "push_cost_target_ms": PUSH_COST_TARGET_MS,
        "push_cost_met": cost <= PUSH_COST_TARGET_MS,
        "share_at_default_interval": {
            "interval_s": DEFAULT_INTERVAL_S,
            "requests_per_s": RATE_PER_S,
            "invocations_per_push": invocations_per_push,
            "formula": "(push cost / (interval × rate)) / mean invocation time",
            "of_this_cheap_route": share(mean_cheap),
            "of_warm_get_me": share(warm_mean_ms) if warm_mean_ms else None,
            "target": PUSH_SHARE_TARGET,
            "met": share(mean_cheap) < PUSH_SHARE_TARGET,
        },
    })
    return result
