"""Bench 1: the cold start of every function in template.yaml, in fresh Lambda-like processes.

Every process is `python -I -S bench/coldprobe.py ...`: no site-packages, no PYTHON* variables, no
current directory on sys.path; the probe puts the function's CodeUri copy, the shared layer copy and
the runtime dependencies first, as Lambda does, all with bytecode compiled beforehand (bench.lambda_tree).

Variants, measured round-robin (one run of each per round, so machine noise hits them alike):
- `python -c pass` (the interpreter alone) and the probe importing nothing;
- per function: import + first invocation (an event that needs no database, except GET /v1/health);
- per distinct set of third-party packages: the bare import of the top-level packages the function
  ends up with in sys.modules, and of every third-party module it ends up with (the full closure);
- every function imported into one process;
- per function, paired: in one process, its full third-party closure, then the function (own code
  alone, timed against the closure imported just before it). This is the target's measure.
`python -X importtime` runs (not timed) say which of our modules imports what.
"""
from __future__ import annotations

import importlib
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import lambda_tree
from bench.common import BENCH, PYTHON, WORK, Function, lambda_environment, log, template_functions
from bench.stats import summary

PROBE = BENCH / "coldprobe.py"
EVENTS = WORK / "events"
PROJECT_TOPS = {"shared", "functions"}
OVERHEAD_TARGET = 0.12
MIN_ROUNDS = 5
RSS_TARGET_MB = 100


@dataclass
class Variant:
    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    out: Path | None = None
    samples: list[dict[str, float]] = field(default_factory=list)


def probe_command(
    tree: lambda_tree.LambdaTree, out: Path, paths: list[str], modules: list[str], *,
    handler: str = "-", event: Path | None = None, collect: bool = False, flags: tuple[str, ...] = (),
) -> list[str]:
    return [
        PYTHON, "-I", "-S", *flags, str(PROBE), str(out), handler, str(event or "-"), "1" if collect else "0",
        str(tree.deps), str(len(paths)), *paths, *modules,
    ]


def run_once(variant: Variant) -> dict[str, float]:
    if variant.out is not None:
        variant.out.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(variant.command, env=variant.env, cwd=variant.cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=60)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{variant.name} failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    # One child at a time, so the children's CPU time that grew is this process's (user + system).
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sample = {"wall_s": wall, "cpu_s": cpu}
    if variant.out is not None:
        report = json.loads(variant.out.read_text())
        if report.get("failures"):
            sample["failures"] = len(report["failures"])
        keys = ("import_s", "import_cpu_s", "pre_import_s", "pre_import_cpu_s", "invoke_s", "invoke_cpu_s",
                "maxrss_kb", "status", "before_snapshot_s", "restore_hooks_s")
        sample.update({key: report[key] for key in keys if key in report})
    return sample


# -- the first invocation's event ----------------------------------------------------------------------------


def first_event(function: Function) -> tuple[dict[str, Any], str]:
    """An event that exercises the adapter without a password hash (and without the DB where it can)."""
    from local_gateway import events

    module = importlib.import_module(function.package_module)
    spec = getattr(getattr(module, function.attribute), "spec", None)
    method, route = function.method or "GET", function.path or "/"
    raw_path = route
    parameters: dict[str, str] = {}
    while "{" in raw_path:
        name = raw_path[raw_path.index("{") + 1:raw_path.index("}")]
        parameters[name.rstrip("+")] = "bench"
        raw_path = raw_path.replace("{" + name + "}", "bench", 1)
    headers = [("user-agent", "bench"), ("host", "localhost")]
    body = b""
    if spec is not None and spec.auth is not None:
        kind = "no token (401 from the authenticator, no DB)"
    elif spec is not None and spec.body is not None:
        kind = "empty JSON object (422 from body validation, no DB, no hashing)"
        body = b"{}"
        headers.append(("content-type", "application/json"))
    else:
        kind = "plain request (runs the endpoint)"
    event = events.http_event(method, raw_path, route_key=f"{method} {route}", path_parameters=parameters or None,
                              headers=headers, body=body)
    return event, kind


# -- python -X importtime ------------------------------------------------------------------------------------


@dataclass
class ImportNode:
    name: str
    self_us: int
    cumulative_us: int
    children: list[ImportNode] = field(default_factory=list)


def parse_importtime(text: str) -> list[ImportNode]:
    """The import tree: -X importtime prints children (deeper indentation) before their parent."""
    pending: dict[int, list[ImportNode]] = {}
    for line in text.splitlines():
        if not line.startswith("import time:"):
            continue
        head, cumulative_us, name_field = line.split("|", 2)
        self_us = head.partition(":")[2].strip()
        if not self_us.isdigit():  # the header line
            continue
        name_field = name_field[1:]
        level = (len(name_field) - len(name_field.lstrip(" "))) // 2
        node = ImportNode(name_field.strip(), int(self_us), int(cumulative_us), pending.pop(level + 1, []))
        pending.setdefault(level, []).append(node)
    return pending.get(0, [])


def _kind(name: str, own_module: str) -> str:
    top = name.partition(".")[0]
    if top in PROJECT_TOPS or name == own_module:
        return "ours"
    return "stdlib" if top in sys.stdlib_module_names else "third-party"


def attribute_imports(roots: list[ImportNode], own_module: str) -> dict[str, Any]:
    """For each of our modules: its own execution time and the heavy things it is the first to import."""
    ours: dict[str, Any] = {}
    totals = {"ours_self_ms": 0.0, "third_party_ms": 0.0, "stdlib_ms": 0.0}

    def visit(node: ImportNode, parent_kind: str) -> None:
        kind = _kind(node.name, own_module)
        if kind == "ours":
            totals["ours_self_ms"] += node.self_us / 1000
            heavy = sorted(
                ((child.name, round(child.cumulative_us / 1000, 1)) for child in node.children
                 if _kind(child.name, own_module) != "ours" and child.cumulative_us >= 2000),
                key=lambda item: -item[1],
            )
            ours[node.name] = {"self_ms": round(node.self_us / 1000, 1),
                               "cumulative_ms": round(node.cumulative_us / 1000, 1), "first_imports": heavy}
            for child in node.children:
                visit(child, kind)
        else:
            if parent_kind == "ours" or parent_kind == "root":
                totals["third_party_ms" if kind == "third-party" else "stdlib_ms"] += node.cumulative_us / 1000
            # below a non-project module everything is theirs (a third-party import of ours does not happen)

    for root in roots:
        visit(root, "root")
    return {"modules": ours, **{key: round(value, 1) for key, value in totals.items()}}


def importtime_report(tree: lambda_tree.LambdaTree, function: Function, event: Path, env: dict[str, str],
                      runs: int = 1) -> dict[str, Any]:
    """-X importtime runs (the one with the median total import time is kept), split at the invocation."""
    runs_seen = []
    for _ in range(runs):
        out = WORK / "importtime.json"
        command = probe_command(tree, out, tree.sys_path(function), [function.module], handler=function.attribute,
                                event=event, flags=("-X", "importtime"))
        done = subprocess.run(command, env=env, cwd=tree.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=60, text=True)
        at_import, _, at_invocation = done.stderr.partition("bench-probe: first invocation")
        roots = parse_importtime(at_import)
        total = sum(root.cumulative_us for root in roots)
        runs_seen.append((total, roots, parse_importtime(at_invocation)))
    runs_seen.sort(key=lambda seen: seen[0])
    total, roots, invocation_roots = runs_seen[len(runs_seen) // 2]
    return {
        "import_total_ms": round(total / 1000, 1),
        "at_import": attribute_imports(roots, function.module),
        "at_first_invocation": attribute_imports(invocation_roots, function.module),
        "lazy_imports_at_first_invocation": [
            (root.name, round(root.cumulative_us / 1000, 1)) for root in invocation_roots
            if root.cumulative_us >= 1000
        ],
    }


# -- the bench -----------------------------------------------------------------------------------------------


def _paired(samples: list[dict[str, float]], key: str) -> dict[str, float]:
    """Own code measured inside one process: the function imported after its whole third-party closure.

    Per sample, (time to import the function) / (time to import the closure just before), so machine
    noise hits numerator and denominator alike; the median and p90 of those ratios, and the medians.
    """
    ratios = sorted(sample[key] / sample[f"pre_{key}"] for sample in samples)
    return {"median": round(statistics.median(ratios), 3), "p90": round(ratios[int(0.9 * (len(ratios) - 1))], 3),
            "own_ms": round(statistics.median(sample[key] for sample in samples) * 1000, 1),
            "closure_ms": round(statistics.median(sample[f"pre_{key}"] for sample in samples) * 1000, 1)}


def recommended_memory(rss_mb: float) -> int:
    """1.5× the peak RSS, rounded up to 64 MB, at least Lambda's 128 MB."""
    return max(128, math.ceil(rss_mb * 1.5 / 64) * 64)


def run(runs: int = 15, budget_s: float = 0, importtime_runs: int = 1) -> dict[str, Any]:
    """`runs` rounds, or fewer (never under MIN_ROUNDS) when the next round would end past `budget_s` (0: none)."""
    tree = lambda_tree.build()
    EVENTS.mkdir(parents=True, exist_ok=True)
    functions = template_functions()
    present = [function for function in functions if function.source.exists()]
    missing = [function.logical_id for function in functions if not function.source.exists()]
    if missing:
        log(f"cold start: skipping functions whose module does not exist yet: {', '.join(missing)}")

    base_env = lambda_environment("bench")
    nothing = WORK / "out-nothing.json"
    variants = [
        Variant("python -c pass", [PYTHON, "-I", "-S", "-c", "pass"], base_env, tree.cwd),
        Variant("probe, nothing imported", probe_command(tree, nothing, [], []), base_env, tree.cwd, nothing),
    ]
    per_function: dict[str, dict[str, Any]] = {}
    # one bare import per distinct set of packages (the order is the first function's)
    bare_sets: dict[frozenset[str], tuple[str, list[str], list[str]]] = {}
    closure_sets: dict[frozenset[str], tuple[str, list[str], list[str]]] = {}
    for function in present:
        event, kind = first_event(function)
        event_file = EVENTS / f"{function.logical_id}.json"
        event_file.write_text(json.dumps(event))
        env = lambda_environment(function.logical_id)
        out = WORK / f"out-{function.logical_id}.json"
        paths = tree.sys_path(function)
        run_once(Variant(f"collect {function.logical_id}", probe_command(
            tree, out, paths, [function.module], handler=function.attribute, event=event_file, collect=True),
            env, tree.cwd, out))  # also warms the page cache for this function's files
        collected = json.loads(out.read_text())
        top_level, closure = collected["third_party_top_level"], collected["third_party_modules"]
        bare = bare_sets.setdefault(frozenset(top_level), (f"bare third-party #{len(bare_sets) + 1}", top_level, paths))
        full = closure_sets.setdefault(frozenset(closure),
                                       (f"third-party closure #{len(closure_sets) + 1}", closure, paths))
        variants.append(Variant(function.logical_id, probe_command(
            tree, out, paths, [function.module], handler=function.attribute, event=event_file), env, tree.cwd, out))
        paired = WORK / f"out-paired-{function.logical_id}.json"
        variants.append(Variant(f"paired {function.logical_id}", probe_command(
            tree, paired, paths, [*closure, "::", function.module]), env, tree.cwd, paired))
        log(f"cold start: -X importtime of {function.logical_id}")
        per_function[function.logical_id] = {
            "module": f"{function.code_uri}{function.module}.py",
            "route": f"{function.method} {function.path}",
            "template_memory_mb": function.memory_size,
            "first_invocation_event": kind,
            "third_party_top_level": top_level,
            "third_party_module_count": len(closure),
            "loaded_at_first_invocation": collected.get("loaded_at_first_invocation", []),
            "bare_variant": bare[0],
            "paired_variant": f"paired {function.logical_id}",
            "closure_variant": full[0],
            "importtime": importtime_report(tree, function, event_file, env, importtime_runs),
        }
    for name, modules, paths in [*bare_sets.values(), *closure_sets.values()]:
        out = WORK / f"out-{name.replace(' ', '-').replace('#', '')}.json"
        variants.append(Variant(name, probe_command(tree, out, paths, modules), base_env, tree.cwd, out))
    everything = WORK / "out-all.json"
    all_name = "all functions in one process"
    variants.append(Variant(all_name, probe_command(
        tree, everything, tree.all_functions_path(), [function.package_module for function in present]),
        base_env, tree.cwd, everything))

    budget = f", {budget_s:.0f} s budget" if budget_s else ""
    log(f"cold start: up to {runs} rounds of {len(variants)} processes{budget}")
    # no untimed warm-up round: the collect and -X importtime runs above already read every file once
    started = time.perf_counter()
    rounds = 0
    while rounds < runs:
        round_started = time.perf_counter()
        for variant in variants:
            variant.samples.append(run_once(variant))
        rounds += 1
        if rounds % 5 == 0 or rounds == runs:
            log(f"cold start: round {rounds}/{runs} done")
        elapsed, last = time.perf_counter() - started, time.perf_counter() - round_started
        if budget_s and rounds >= MIN_ROUNDS and elapsed + last > budget_s:
            log(f"cold start: stopping after {rounds} rounds ({elapsed:.0f} s, budget {budget_s:.0f} s)")
            break

    by_name = {variant.name: variant for variant in variants}

    def stats(name: str, key: str) -> dict[str, float | int]:
        return summary([sample[key] for sample in by_name[name].samples], scale=1000, digits=1)

    def median_of(name: str, key: str) -> float:
        return statistics.median(sample[key] for sample in by_name[name].samples)

    def rss_mb(name: str) -> float:
        return round(statistics.median(sample["maxrss_kb"] for sample in by_name[name].samples) / 1024, 1)

    def timings(name: str) -> dict[str, Any]:
        found: dict[str, Any] = {"wall_ms": stats(name, "wall_s"), "process_cpu_ms": stats(name, "cpu_s")}
        if "import_s" in by_name[name].samples[0]:
            found |= {"import_ms": stats(name, "import_s"), "import_cpu_ms": stats(name, "import_cpu_s"),
                      "rss_mb": rss_mb(name)}
        return found

    baselines: dict[str, Any] = {"python -c pass": timings("python -c pass"),
                                 "probe, nothing imported": timings("probe, nothing imported")}
    for name, modules, _ in bare_sets.values():
        baselines[name] = {"packages": modules, **timings(name)}
    for name, modules, _ in closure_sets.values():
        baselines[name] = {"module_count": len(modules), **timings(name),
                           "modules_failing_alone": max(int(s.get("failures", 0)) for s in by_name[name].samples)}
    baselines[all_name] = {"functions": [function.logical_id for function in present], **timings(all_name)}

    for logical_id, info in per_function.items():
        rss = rss_mb(logical_id)
        statuses = sorted({int(sample["status"]) for sample in by_name[logical_id].samples
                           if sample.get("status") is not None})
        overheads: dict[str, dict[str, Any]] = {}
        for clock, key in (("wall", "import_s"), ("cpu", "import_cpu_s")):
            own = median_of(logical_id, key)
            bare_s = median_of(info["bare_variant"], key)
            closure_s = median_of(info["closure_variant"], key)
            overheads[clock] = {"vs_bare_top_level": round((own - bare_s) / bare_s, 3),
                                "vs_full_third_party_closure": round((own - closure_s) / closure_s, 3),
                                "paired": _paired(by_name[info["paired_variant"]].samples, key)}
        info.update({
            **timings(logical_id),
            "first_invocation_ms": stats(logical_id, "invoke_s"),
            "first_invocation_cpu_ms": stats(logical_id, "invoke_cpu_s"),
            "first_invocation_status": statuses,
            "own_code_overhead": overheads,
            "own_code_overhead_target": OVERHEAD_TARGET,
            # A function that imports no third-party package at init (MigrateFunction: Alembic is imported when
            # it runs) has no closure to compare with: its whole import is its own code, and counts as met.
            "own_code_overhead_met": {clock: not info["third_party_top_level"]
                                      or value["paired"]["median"] <= OVERHEAD_TARGET
                                      for clock, value in overheads.items()},
            "rss_target_mb": RSS_TARGET_MB,
            "rss_met": rss <= RSS_TARGET_MB,
            "recommended_memory_mb": recommended_memory(rss),
        })

    return {
        "what": "fresh process: import + first invocation, per function, next to the interpreter, the bare "
                "third-party imports and all functions in one process",
        "runs": rounds,
        "runs_requested": runs,
        "budget_s": budget_s,
        "lambda_like_sys_path": "CodeUri copy, shared layer copy, runtime dependencies (all compiled, "
                                "unchecked-hash .pyc); python -I -S",
        "dependencies_from": tree.requirements_source,
        "environment": {key: value for key, value in lambda_environment("<LogicalId>").items()
                        if key not in ("PATH", "JWT_SECRET")},
        "importtime_runs": importtime_runs,
        "rss": "VmHWM of the process after its first invocation (ru_maxrss survives execve on Linux)",
        "skipped_missing_modules": missing,
        "baselines": baselines,
        "functions": per_function,
    }
