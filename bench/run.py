"""python -m bench.run [--only NAME ...]: run the benches, write bench/results/NAME.json and summary.md.

NAME is one of cold_start, warm, metrics_push, gateway, bookings (all five, in that order, by default) or
import_breakdown, catalogue, throughput, snapstart, layer_size, mail (only when named). Every bench is bounded: fixed
numbers of processes, calls and wrk seconds, and the cold-start rounds stop at a time budget; the default run
takes about eight minutes.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

from bench import (bookings, catalogue, cold_start, gateway, import_breakdown, layer_size, mail, report,
                   snapstart, throughput, warm)
from bench.common import PYTHON, ROOT, log, machine, read_result, write_result

BENCHES = ("cold_start", "warm", "metrics_push", "gateway", "bookings")
# run only when named with --only
EXTRA = ("import_breakdown", "catalogue", "throughput", "snapstart", "layer_size", "mail")


def _gateway_available() -> bool:
    done = subprocess.run([PYTHON, "-m", "local_gateway", "serve", "--help"], cwd=ROOT, capture_output=True,
                          timeout=60)
    return done.returncode == 0


def _warm_mean() -> float | None:
    previous = read_result("warm")
    if previous is None or "result" not in previous:
        return None
    for label, variant in previous["result"]["variants"].items():
        if label.startswith("pool of 1"):
            return float(variant["invocation_ms"]["mean"])
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--only", action="append", choices=BENCHES + EXTRA, metavar="NAME",
                        help=f"run only this bench (repeatable): {', '.join(BENCHES + EXTRA)}")
    parser.add_argument("--runs", type=int, default=15, help="cold start: processes per variant (default 15)")
    parser.add_argument("--cold-budget", type=float, default=150,
                        help="cold start: stop adding rounds after this many seconds, at least 5 rounds (0: no limit, "
                             "default 150)")
    parser.add_argument("--calls", type=int, default=2000, help="warm and push loops: calls (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="gateway: wrk rounds per server (default 3)")
    parser.add_argument("--seconds", type=int, default=10, help="gateway: seconds per wrk run (default 10)")
    parser.add_argument("--booking-seconds", type=int, default=20,
                        help="bookings: seconds per throughput run and per pgbench run (default 20)")
    parser.add_argument("--catalogue-sizes", default="100000,1000000",
                        help="catalogue: tour counts, comma-separated (default 100000,1000000)")
    parser.add_argument("--cache", action="append", choices=("memory", "redis"),
                        help="throughput: cache of the servers, repeatable (default memory)")
    parser.add_argument("--mail-seconds", type=int, default=60,
                        help="mail: seconds of bookings (default 60)")
    parser.add_argument("--mail-rate", type=float, default=20.0,
                        help="mail: bookings a second (default 20, the target's; more shows the headroom)")
    options = parser.parse_args(argv)
    selected = [name for name in BENCHES + EXTRA if name in (options.only or BENCHES)]

    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "cold_start": lambda: cold_start.run(runs=options.runs, budget_s=options.cold_budget),
        "warm": lambda: warm.run_warm(calls=options.calls),
        "metrics_push": lambda: warm.run_push(calls=options.calls, warm_mean_ms=_warm_mean()),
        "gateway": lambda: gateway.run(rounds=options.rounds, seconds=options.seconds),
        "import_breakdown": lambda: import_breakdown.run(runs=max(5, options.runs // 2)),
        "bookings": lambda: bookings.run(seconds=options.booking_seconds),
        "catalogue": lambda: catalogue.run(sizes=tuple(int(size) for size in options.catalogue_sizes.split(",")),
                                           seconds=options.seconds),
        "snapstart": lambda: snapstart.run(runs=max(3, options.runs // 3)),
        "layer_size": layer_size.run,
        "mail": lambda: mail.run(seconds=options.mail_seconds, rate=options.mail_rate),
        "throughput": lambda: throughput.run(rounds=options.rounds, seconds=options.seconds,
                                             caches=tuple(options.cache or ["memory"])),
    }
    failed = 0
    for name in selected:
        log(f"== {name}")
        if name in ("gateway", "bookings", "catalogue", "throughput", "mail") and not _gateway_available():
            write_result(name, {"skipped": "`python -m local_gateway serve --help` does not work yet"})
            log(f"{name}: skipped, the local gateway cannot start yet")
            continue
        info = machine()
        started = time.perf_counter()
        try:
            result = runners[name]()
        except Exception as exc:  # one broken bench does not lose the others' results
            log(f"{name} failed: {exc}")
            failed += 1
            continue
        path = write_result(name, {
            "machine": info, "elapsed_s": round(time.perf_counter() - started, 1),
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2), "result": result,
        })
        log(f"{name}: wrote {path.relative_to(ROOT)}")
    report.write()
    log("wrote bench/results/summary.md")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
