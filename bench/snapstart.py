"""Bench: a SnapStart restore against a cold start, per function, in fresh Lambda-like processes.

Both variants run the probe (bench/coldprobe.py) on the same Lambda-like tree and first event as the
cold-start bench, round-robin:
- cold: import the handler, then the first invocation (what a cold start without SnapStart costs);
- restored: import, the before-snapshot hooks (untimed: done once, when the version is published), then,
  timed, the after-restore hooks and the first invocation: what a restored environment runs before it answers.
What this cannot measure here: the time Lambda itself takes to resume a snapshot (its restore duration);
AWS reports it apart, as "Restore Duration".
"""
from __future__ import annotations

import json
import statistics
import time
from typing import Any

from bench import lambda_tree
from bench.cold_start import EVENTS, Variant, first_event, probe_command, run_once
from bench.common import WORK, lambda_environment, log, template_functions


def run(runs: int = 5) -> dict[str, Any]:
    tree = lambda_tree.build()
    EVENTS.mkdir(parents=True, exist_ok=True)
    pairs: dict[str, tuple[Variant, Variant]] = {}
    for function in template_functions():
        event, kind = first_event(function)
        event_file = EVENTS / f"{function.logical_id}.json"
        event_file.write_text(json.dumps(event))
        variants = []
        for mode in ("cold", "restored"):
            out = WORK / f"out-snapstart-{mode}-{function.logical_id}.json"
            env = lambda_environment(function.logical_id, BENCH_SNAPSTART="1" if mode == "restored" else "0")
            command = probe_command(tree, out, tree.sys_path(function), [function.module],
                                    handler=function.attribute, event=event_file)
            variants.append(Variant(f"{mode} {function.logical_id}", command, env, tree.cwd, out))
        pairs[function.logical_id] = (variants[0], variants[1])
    started = time.perf_counter()
    for round_ in range(runs):
        log(f"snapstart: round {round_ + 1}/{runs}")
        for cold, restored in pairs.values():
            cold.samples.append(run_once(cold))
            restored.samples.append(run_once(restored))

    def median(variant: Variant, *keys: str) -> float:
        return statistics.median(sum(sample[key] for key in keys) * 1000 for sample in variant.samples)

    functions: dict[str, Any] = {}
    for logical_id, (cold, restored) in pairs.items():
        cold_ms = median(cold, "import_s", "invoke_s")
        restored_ms = median(restored, "invoke_s")
        functions[logical_id] = {
            "cold_start_ms": round(cold_ms, 1),
            "cold_start_cpu_ms": round(median(cold, "import_cpu_s", "invoke_cpu_s"), 1),
            "restored_first_invocation_ms": round(restored_ms, 1),
            "restored_first_invocation_cpu_ms": round(median(restored, "invoke_cpu_s"), 1),
            "restore_hooks_ms": round(median(restored, "restore_hooks_s"), 2),
            "before_snapshot_ms": round(median(restored, "before_snapshot_s"), 2),
            "statuses": sorted({sample.get("status") for sample in cold.samples + restored.samples}, key=str),
            "speedup": round(cold_ms / restored_ms, 1),
        }
    speedups = [entry["speedup"] for entry in functions.values()]
    return {
        "what": "median ms over the runs: cold = import + first invocation; restored = after-restore hooks + first "
                "invocation, after init and the before-snapshot hooks (Lambda's own snapshot resume not included)",
        "runs": runs,
        "seconds": round(time.perf_counter() - started, 1),
        "min_speedup": min(speedups),
        "median_speedup": statistics.median(speedups),
        "functions": functions,
    }
