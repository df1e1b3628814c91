"""bench/results/summary.md, rendered from the JSON results of the last run of each bench."""
from __future__ import annotations

from typing import Any

from bench.common import RESULTS, read_result


def _yes(met: Any) -> str:
    return "yes" if met else "**no**"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _mp(stats: dict[str, Any]) -> str:
    return f"{stats['median']} / {stats['p90']}"


def _machine(result: dict[str, Any]) -> str:
    machine = result["machine"]
    return (f"{machine['when']}, {machine['nproc']} × {machine['cpu_model']}, Python {machine['python']}, "
            f"load average (1 min) {machine['loadavg_1m_at_start']} → {result.get('loadavg_1m_at_end')}, "
            f"took {result.get('elapsed_s')} s")


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def cold_start(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    lines = ["## 1. Cold start", "", _machine(result), "",
             f"{data['runs']} runs per variant (of {data['runs_requested']} asked), round-robin; "
             f"sys.path: {data['lambda_like_sys_path']}; "
             f"dependencies from `{data['dependencies_from']}`. Times in ms, median / p90; CPU = user + system "
             f"time of the process (robust to other load on the machine, unlike wall). Peak RSS: {data['rss']}.", ""]
    if data["skipped_missing_modules"]:
        lines += [f"Skipped (no module yet): {', '.join(data['skipped_missing_modules'])}", ""]
    baselines = data["baselines"]
    rows = []
    for name, info in baselines.items():
        what = (", ".join(info["packages"]) if "packages" in info else
                f"{info['module_count']} modules" if "module_count" in info else
                f"{len(info['functions'])} functions" if "functions" in info else "")
        rows.append([name, _mp(info["wall_ms"]), _mp(info["process_cpu_ms"]),
                     _mp(info["import_ms"]) if "import_ms" in info else "",
                     _mp(info["import_cpu_ms"]) if "import_cpu_ms" in info else "", info.get("rss_mb", ""), what])
    lines += _table(["baseline", "process wall", "process CPU", "import wall", "import CPU", "peak RSS MB", "what"],
                    rows)
    rows = []
    for logical_id, info in data["functions"].items():
        bare = baselines[info["bare_variant"]]
        overhead = info["own_code_overhead"]
        met = info["own_code_overhead_met"]
        rows.append([
            logical_id, _mp(info["import_ms"]), _mp(info["import_cpu_ms"]), _mp(info["first_invocation_ms"]),
            ",".join(str(status) for status in info["first_invocation_status"]), _mp(info["wall_ms"]),
            f"{bare['import_ms']['median']} / {bare['import_cpu_ms']['median']} ({info['bare_variant'].split()[-1]})",
            f"{_pct(overhead['cpu']['paired']['median'])} {_yes(met['cpu'])} (p90 "
            f"{_pct(overhead['cpu']['paired']['p90'])}; {overhead['cpu']['paired']['own_ms']} ms over "
            f"{overhead['cpu']['paired']['closure_ms']}) / wall {_pct(overhead['wall']['paired']['median'])}"
            if info["third_party_top_level"] else
            f"n/a: no third-party import at init ({overhead['cpu']['paired']['own_ms']} ms, all own code)",
            f"{_pct(overhead['wall']['vs_full_third_party_closure'])} / "
            f"{_pct(overhead['cpu']['vs_full_third_party_closure'])}",
            f"{_pct(overhead['wall']['vs_bare_top_level'])} / {_pct(overhead['cpu']['vs_bare_top_level'])}",
            f"{info['rss_mb']} {_yes(info['rss_met'])}", info["recommended_memory_mb"], info["template_memory_mb"],
        ])
    lines += _table(["function", "import wall", "import CPU", "first invocation wall", "status", "process wall",
                     "bare 3rd-party import wall / CPU (median)",
                     "own code, paired: CPU (≤ 12%) / wall",
                     "unpaired vs full 3rd-party closure wall / CPU", "unpaired vs top-level packages wall / CPU",
                     "peak RSS MB (≤ 100)",
                     "recommended MemorySize", "template MemorySize"], rows)
    runs = data.get("importtime_runs", 1)
    lines += [f"### Where the import time goes (python -X importtime, {runs} run(s) per function, ms; "
              "-X importtime inflates every number, compare them with each other)", ""]
    seen: dict[str, dict[str, Any]] = {}
    rows = []
    for logical_id, info in data["functions"].items():
        report = info["importtime"]
        at_import = report["at_import"]
        rows.append([logical_id, report["import_total_ms"], at_import["ours_self_ms"], at_import["third_party_ms"],
                     at_import["stdlib_ms"], ", ".join(f"{name} {ms}" for name, ms in
                                                       report["lazy_imports_at_first_invocation"])])
        for module, detail in at_import["modules"].items():
            if module not in seen or detail["cumulative_ms"] > seen[module]["cumulative_ms"]:
                seen[module] = detail
    lines += _table(["function", "import (under -X importtime)", "our modules' own execution",
                     "third-party first imported by our modules", "stdlib first imported by our modules",
                     "imported at first invocation"], rows)
    rows = [
        [module, detail["self_ms"], ", ".join(f"{name} {ms}" for name, ms in detail["first_imports"][:6])]
        for module, detail in sorted(seen.items(), key=lambda item: -item[1]["cumulative_ms"])
        if detail["self_ms"] >= 2 or detail["first_imports"]
    ]
    lines += _table(["our module (at import)", "own execution", "first imports ≥ 2 ms (cumulative)"], rows)
    return lines


def warm(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    lines = ["## 2. Warm GET /v1/auth/me", "", _machine(result), "", f"{data['what']}; ms.", ""]
    rows = [[label, info["invocation_ms"]["n"], info["invocation_ms"]["median"], info["invocation_ms"]["p95"],
             info["invocation_ms"]["p99"], info["invocation_ms"]["mean"], info["invocation_cpu_ms"]["median"]]
            for label, info in data["variants"].items()]
    return lines + _table(["variant", "calls", "median", "p95", "p99", "mean", "CPU median"], rows)


def metrics_push(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    share = data["share_at_default_interval"]
    lines = ["## 3. Metrics push", "", _machine(result), "", f"Route: {data['route']}; ms.", ""]
    rows = [
        ["push every invocation", data["pushing_every_invocation_ms"]["median"],
         data["pushing_every_invocation_ms"]["p95"], data["pushing_every_invocation_ms"]["mean"]],
        ["no PUSHGATEWAY_URL", data["no_pushgateway_ms"]["median"], data["no_pushgateway_ms"]["p95"],
         data["no_pushgateway_ms"]["mean"]],
        ["render only (generate_latest)", data["render_only_ms"]["median"], data["render_only_ms"]["p95"],
         data["render_only_ms"]["mean"]],
        ["PUT only (kept-alive)", data["put_only_ms"]["median"], data["put_only_ms"]["p95"],
         data["put_only_ms"]["mean"]],
    ]
    lines += _table(["loop", "median", "p95", "mean"], rows)
    lines += [
        f"- push cost (median difference): **{data['push_cost_median_ms']} ms** (target ≤ 2 ms: "
        f"{_yes(data['push_cost_met'])}); mean difference {data['push_cost_mean_ms']} ms; CPU time of the "
        f"function's thread, median difference {data['push_cost_cpu_median_ms']} ms",
        f"- payload: {data['payload_bytes']} bytes, {data['payload_series']} series, functions "
        f"{data['registry_functions']}",
        f"- share at {share['interval_s']:.0f} s and {share['requests_per_s']:.0f} req/s "
        f"({share['formula']}): {share['of_this_cheap_route'] * 100:.3f}% of this route's mean invocation"
        + (f", {share['of_warm_get_me'] * 100:.3f}% of warm GET /v1/auth/me's" if share["of_warm_get_me"] else "")
        + f" (target < 1%: {_yes(share['met'])})",
        "",
    ]
    return lines


def gateway(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    lines = ["## 4. Gateway overhead", "", _machine(result), "",
             f"Route: {data['route']}; `{data['wrk']}`, {data['rounds']} rounds, median.", ""]
    rows = [[name, info["requests_per_s_median"], ", ".join(f"{value:.0f}" for value in info["requests_per_s_runs"]),
             info["ratio_to_direct"], info["server_cpu_ms_per_request_median"], info["cpu_ratio_direct_over_this"],
             info["runs"][-1]["latency_ms"].get("p50", ""), info["runs"][-1]["latency_ms"].get("p99", "")]
            for name, info in data["servers"].items()]
    lines += _table(["server", "req/s (median)", "runs", "ratio to direct", "server CPU ms / request",
                     "CPU ratio (direct / this)", "p50 ms (last run)", "p99 ms (last run)"], rows)
    lines += [f"- inprocess ratio {data['inprocess_ratio']} (target ≥ {data['target_inprocess_ratio']}: "
              f"{_yes(data['met'])}); isolated ratio {data['isolated_ratio']}", ""]
    return lines


def import_breakdown(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    lines = ["## Import breakdown (python -m bench.run --only import_breakdown)", "", _machine(result), "",
             f"{data['runs']} fresh processes per step, round-robin; import CPU time, median, ms.", ""]
    for logical_id, rows in data["functions"].items():
        lines += [f"**{logical_id}**", ""]
        lines += _table(["step", "import CPU", "added", "vs bare", "import wall"],
                        [[row["step"], row["import_cpu_ms"], row["added_cpu_ms"] if row["added_cpu_ms"] is not None
                          else "", _pct(row["vs_bare"]), row["import_wall_ms"]] for row in rows])
    return lines


def bookings(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    contention = data["contention"]
    lines = ["## 5. Bookings: contention and throughput", "", _machine(result), "", f"{data['what']}.", ""]
    lines += [f"(a) {contention['attempts']} attempts of 1–3 seats on one {contention['capacity']}-seat departure, "
              f"{data['concurrency']} clients: **{contention['seats_sold_by_201s']} seats sold** in "
              f"{contention['created']} bookings (database: {contention['database']['seats_taken']} taken, "
              f"invariant holds: {contention['database']['invariant_holds']}), statuses {contention['status_counts']}, "
              f"refusals {contention['refusal_codes']}, 5xx {contention['server_errors_5xx']}, latency p50 / p99 "
              f"{contention['latency_ms']['p50']} / {contention['latency_ms']['p99']} ms, correct: "
              f"{_yes(contention['correct'])}", ""]
    rows = []
    for run in [*data["throughput_rounds"], *data.get("throughput_rounds_one_process", [])]:
        measured = run["calls_per_request"] or {}
        calls = ", ".join(f"{name} {info['per_request']:g}" for name, info in measured.items()) or "(one process only)"
        cpu = run["cpu_ms_per_request"]
        rows.append([run.get("gateway_processes", 1), run["bookings_per_s"], f"{run['created']} in {run['window_s']} s",
                     run["status_counts"], run["server_errors_5xx"], run.get("no_response", ""),
                     run["database"]["oversold"],
                     f"{run['latency_ms']['p50']} / {run['latency_ms']['p99']}", calls,
                     f"{measured.get('db update', {}).get('ms_per_request', '')}",
                     f"{cpu['gateway_process']} / {cpu['postgres_all_processes']} / {cpu['load_generator']}"
                     + (f" / {cpu['sqs_stand_in']}" if "sqs_stand_in" in cpu else "")])
    lines += [f"(b) load generator: `{data['throughput_rounds'][0]['load_generator']}`", ""]
    lines += _table(["gateway processes", "bookings/s", "bookings (server's window)", "answers seen by wrk", "5xx",
                     "no answer (wrk's socket errors)", "oversold",
                     "p50 / p99 ms", "calls per request",
                     "UPDATE ms per request (incl. lock wait)",
                     "CPU ms/request gateway / postgres / load gen (/ SQS stand-in)"], rows)
    lines += _table(["pgbench", "tps", "latency avg ms", "failed"],
                    [[run["command"], run["tps"], run["latency_avg_ms"], run["failed"]]
                     for run in data["pgbench_rounds"]])
    lines += [f"- bookings/s {data['bookings_per_s_median']} (median, one departure, "
              f"{data.get('gateway_processes', 1)} gateway process(es)) over pgbench "
              f"{data['pgbench_tps_median']:.0f} tps = **{data['ratio_to_pgbench']}** "
              f"(target ≥ {data['target_ratio']}); one gateway process: "
              f"{data.get('bookings_per_s_median_one_process', '')}/s = "
              f"{data.get('ratio_to_pgbench_one_process', '')}"
              + (f" (target ≥ {data['target_ratio_one_process']})" if "target_ratio_one_process" in data else "")
              + f"; every target met: {_yes(data['met'])}; "
              f"zero oversold and zero 5xx: {_yes(data['zero_oversold_zero_5xx'])}"
              + (f"; requests without an answer (wrk's socket errors, timeouts mostly; apart from 5xx): "
                 f"{data['no_answer']}" if "no_answer" in data else ""), ""]
    return lines


def _p50_p95(loop: dict[str, Any]) -> str:
    return f"{loop['latency_ms']['median']} / {loop['latency_ms']['p95']} ({loop['latency_ms']['n']})"


def catalogue(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    lines = ["## A. Catalogue search, GET /v1/tours (python -m bench.run --only catalogue)", "", _machine(result), "",
             f"Inprocess gateway per size, REDIS_URL={data['redis']}. One connection: cold = FLUSHDB before every "
             "request (outside the timing), warm = the same request repeated. wrk -t2 -c32 -d10s: warm URL, and "
             "cold with `min_price=<counter>` added by a Lua script (new cache key every request). SQL statements "
             "per request from the gateway's /metrics. ms.", ""]
    rows = []
    for size, info in data["sizes"].items():
        for label, shape in info["shapes"].items():
            cold, warm = shape["cold"], shape["warm"]
            rows.append([f"{int(size):,} tours / {info['departures']:,} departures", label,
                         _p50_p95(cold), _p50_p95(warm),
                         f"{cold['sql_statements_per_request']} / {warm['sql_statements_per_request']}",
                         f"{shape['wrk_warm']['requests_per_s']:.0f} "
                         f"(p99 {shape['wrk_warm']['latency_ms'].get('p99')})",
                         f"{shape['wrk_cold_min_price_counter']['requests_per_s']:.0f} "
                         f"(p99 {shape['wrk_cold_min_price_counter']['latency_ms'].get('p99')})",
                         ", ".join(str(n) for n in cold["items_per_page"])])
    lines += _table(["catalogue", "shape", "cold p50 / p95 (n)", "warm p50 / p95 (n)", "SQL per request cold / warm",
                     "wrk warm req/s", "wrk cold req/s", "items per page"], rows)
    rows = [[f"{int(size):,} tours", label, _p50_p95(shape["cold"]), _p50_p95(shape["warm"]),
             ", ".join(str(n) for n in shape["cold"]["items_per_page"])]
            for size, info in data["sizes"].items() for label, shape in (info.get("selective") or {}).items()]
    if rows:
        lines += ["Diagnostics, not target shapes (one connection):", ""]
        lines += _table(["catalogue", "selective shape", "cold p50 / p95 (n)", "warm p50 / p95 (n)", "items per page"],
                        rows)
    rows = [[label, f"{t['cold_p95_ms']} {_yes(t['cold_met'])}", f"{t['warm_p95_ms']} {_yes(t['warm_met'])}",
             f"× {t['cold_p95_growth_small_to_large']} {_yes(t['sub_linear'])}"]
            for label, t in data["targets"].items()]
    lines += _table(["shape (largest size)", "cold p95 ≤ 50 ms", "warm p95 ≤ 5 ms", "cold p95 growth (sub-linear)"],
                    rows)
    for label, plan in (data.get("explain") or {}).items():
        kind = "diagnostic, not a target shape: " if plan.get("selective_diagnostic") else ""
        lines += [f"**EXPLAIN (ANALYZE, BUFFERS) at {data['explain_at']:,}: {kind}{label}** — execution "
                  f"{plan.get('execution_ms')} ms, indexes "
                  f"{', '.join(plan['indexes_used'])}; seq scans: {', '.join(plan['seq_scans']) or 'none'}", "",
                  "```", *plan["plan"], "```", ""]
    return lines


def throughput(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    lines = ["## B. Gateway throughput (python -m bench.run --only throughput)", "", _machine(result), "",
             f"Tour {data['tour_id']} of {data['database']}; wrk -t2 -c32 -d10s --latency, rounds alternating, "
             "median req/s; p50 / p99 of the median round; paired: the median of the rounds' ratios to that "
             "round's hello.", ""]
    for cache, info in data["caches"].items():
        lines += [f"Cache: REDIS_URL {info['REDIS_URL']}", ""]
        rows = [[name, t["requests_per_s_median"], ", ".join(f"{v:.0f}" for v in t["requests_per_s_runs"]),
                 t["ratio_to_hello"], t.get("paired_ratio_to_hello", "–"), t["median_round_latency_ms"].get("p50"),
                 t["median_round_latency_ms"].get("p99"), t["server_cpu_ms_per_request_median"],
                 t.get("cpu_ratio_to_hello", "–"), t.get("paired_cpu_ratio_to_hello", "–"), t["non_2xx_total"],
                 ", ".join(sorted(set(t["socket_errors"])))]
                for name, t in info["targets"].items()]
        lines += _table(["target", "req/s (median)", "rounds", "ratio to hello", "paired", "p50 ms", "p99 ms",
                         "server CPU ms / request", "hello's CPU / this one's", "paired", "non-2xx", "socket errors"],
                        rows)
        target = info["target"]
        lines += [f"- inprocess GET /v1/tours/{{id}} / hello = {target.get('inprocess_paired_ratio_to_hello', '–')} "
                  f"paired, {target['inprocess_ratio_to_hello']} of the medians (≥ "
                  f"{target['ratio_target']}: {_yes(target['ratio_met'])}); median round p99 "
                  f"{target['median_round_p99_ms']} ms (≤ {target['p99_target_ms']}: {_yes(target['p99_met'])}); "
                  f"no errors in any round: {_yes(target['no_errors_any_round'])}; isolated ratio "
                  f"{target['isolated_ratio_to_hello']}", ""]
    return lines


def mail(result: dict[str, Any]) -> list[str]:
    data = result["result"]
    latency = data["commit_to_captured_s"] or {}
    return ["## C. Commit → e-mail captured (python -m bench.run --only mail)", "", _machine(result), "",
            f"{data['rate_per_s']:.0f} bookings/s for {data['seconds']} s (open loop) through `local_gateway serve "
            f"--mode inprocess` with in-process moto and MAIL_BACKEND=local; {data['bookings']} bookings "
            f"(statuses {data['statuses']}), {data['mails_captured']} mails captured, {data['mails_missing']} missing; "
            f"load average {data['loadavg_1m_before']} → {data['loadavg_1m_after']} on {data['cpu_count']} cores.", "",
            *_table(["median s", "p90 s", "p95 s", "p99 s", "max s", "target p95"],
                    [[latency.get("median"), latency.get("p90"), latency.get("p95"), latency.get("p99"),
                      latency.get("max"), f"≤ {data['target_p95_s']} s: {_yes((latency.get('p95') or 1e9) <= 5)}"]]),
            ""]


RENDERERS = {"cold_start": cold_start, "warm": warm, "metrics_push": metrics_push, "gateway": gateway,
             "bookings": bookings, "import_breakdown": import_breakdown, "catalogue": catalogue,
             "throughput": throughput, "mail": mail}


def render() -> str:
    lines = ["# Bench results (generated by `python -m bench.run` from bench/results/*.json)", ""]
    for name, renderer in RENDERERS.items():
        result = read_result(name)
        if result is None:
            optional = ("import_breakdown", "catalogue", "throughput", "mail")
            lines += [] if name in optional else [f"## {name}: not run yet", ""]
        elif "skipped" in result:
            lines += [f"## {name}: skipped — {result['skipped']}", ""]
        else:
            lines += renderer(result)
    return "\n".join(lines)


def write() -> None:
    (RESULTS / "summary.md").write_text(render())
