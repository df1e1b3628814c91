"""Where a function's import time goes beyond the bare third-party packages, step by step.

For a few representative functions, fresh Lambda-like processes (as in bench.cold_start) import, in
CPU time (median, round-robin):
  1. the function's top-level third-party packages (the cold-start baseline);
  2. + sqlalchemy.orm (our models are declarative);
  3. + sqlalchemy.dialects.postgresql (Index(..., postgresql_where=...) and ARRAY/TSVECTOR columns load it);
  4. + every other third-party module the function ends up with (its full third-party closure);
  5. the function itself: the difference from 4 is our own modules' execution.
"""
from __future__ import annotations

import json
import statistics
from typing import Any

from bench import lambda_tree
from bench.cold_start import EVENTS, Variant, first_event, probe_command, run_once
from bench.common import WORK, lambda_environment, log, template_functions

FUNCTIONS = ("GetMeFunction", "ListToursFunction", "CreateBookingFunction")
STEPS = ("sqlalchemy.orm", "sqlalchemy.dialects.postgresql")


def run(runs: int = 8) -> dict[str, Any]:
    tree = lambda_tree.build()
    EVENTS.mkdir(parents=True, exist_ok=True)
    chosen = [function for function in template_functions()
              if function.logical_id in FUNCTIONS and function.source.exists()]
    plans: dict[str, list[Variant]] = {}
    for function in chosen:
        event, _ = first_event(function)
        event_file = EVENTS / f"{function.logical_id}.json"
        event_file.write_text(json.dumps(event))
        out = WORK / f"breakdown-{function.logical_id}.json"
        env = lambda_environment(function.logical_id)
        paths = tree.sys_path(function)
        run_once(Variant("collect", probe_command(tree, out, paths, [function.module], collect=True), env,
                         tree.cwd, out))
        collected = json.loads(out.read_text())
        closure: list[str] = collected["third_party_modules"]
        modules: list[str] = list(collected["third_party_top_level"])
        variants = [Variant("1. bare top-level packages", probe_command(tree, out, paths, modules), env, tree.cwd,
                            out)]
        for step in STEPS:
            if step in closure:
                modules = [*modules, step]
                variants.append(Variant(f"{len(variants) + 1}. + {step}", probe_command(tree, out, paths, modules),
                                        env, tree.cwd, out))
        variants.append(Variant(f"{len(variants) + 1}. full third-party closure ({len(closure)} modules)",
                                probe_command(tree, out, paths, closure), env, tree.cwd, out))
        variants.append(Variant(f"{len(variants) + 1}. the function ({function.module})",
                                probe_command(tree, out, paths, [function.module]), env, tree.cwd, out))
        plans[function.logical_id] = variants
    everything = [variant for variants in plans.values() for variant in variants]
    log(f"import breakdown: {runs} rounds of {len(everything)} processes")
    for variant in everything:
        run_once(variant)
    for _ in range(runs):
        for variant in everything:
            variant.samples.append(run_once(variant))
    report: dict[str, Any] = {}
    for logical_id, variants in plans.items():
        rows: list[dict[str, Any]] = []
        previous: float | None = None
        for variant in variants:
            cpu = statistics.median(sample["import_cpu_s"] for sample in variant.samples) * 1000
            wall = statistics.median(sample["import_s"] for sample in variant.samples) * 1000
            rows.append({"step": variant.name, "import_cpu_ms": round(cpu, 1), "import_wall_ms": round(wall, 1),
                         "added_cpu_ms": round(cpu - previous, 1) if previous is not None else None})
            previous = cpu
        base = rows[0]["import_cpu_ms"]
        for row in rows:
            row["vs_bare"] = round((row["import_cpu_ms"] - base) / base, 3)
        report[logical_id] = rows
    return {"what": __doc__.strip().splitlines()[0] if __doc__ else "", "runs": runs, "functions": report}
