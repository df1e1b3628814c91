"""Paired A/B of bench 5's throughput phase: the gateways of two source trees take turns on one SQS stand-in,
PostgreSQL and Redis, in short rounds whose order flips every pair, so a noisy moment hurts both sides alike.

    flock /tmp/bench.lock env BENCH_BOOKINGS_DATABASE_URL=... BENCH_REDIS_URL=... \\
      .venv/bin/python -m bench.ab_bookings <tree A> <tree B> [--pairs 3] [--seconds 12] [--processes 1]

A tree is a checkout of this repository (`git worktree add /work/wt/base <commit>`); its gateway runs from it with
this environment's Python. The stand-in is this tree's. Prints each round (bookings/s, gateway and stand-in CPU ms per
booking, 5xx) and the medians per tree; a difference that is not in every pair is inside the noise.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import httpx

import bench.common as common
from bench import bookings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--processes", type=int, default=1)
    options = parser.parse_args()
    trees = [options.a.resolve(), options.b.resolve()]
    bookings.migrate()
    rounds: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    with bookings.sqs_stand_in() as sqs:
        with bookings.serving(processes=1, sqs=sqs) as gateway, \
                httpx.Client(base_url=gateway.url, timeout=30) as client:
            users = bookings._users(client, bookings.USERS)
            catalogue = bookings.Catalogue(client)
            plan = [[(tree, catalogue.departure(200), catalogue.departure(bookings.THROUGHPUT_CAPACITY))
                     for tree in (trees if pair % 2 == 0 else trees[::-1])] for pair in range(options.pairs)]
        for pair in plan:
            for tree, warm_up, departure in pair:
                common.ROOT = tree  # `started` runs the gateway from there
                with bookings.serving(processes=options.processes, sqs=sqs) as gateway:
                    bookings._warm_up(gateway, users, warm_up)
                    result = bookings.throughput(gateway, users, departure, seconds=options.seconds, sqs=sqs)
                cpu = result["cpu_ms_per_request"]
                rounds[tree].append({"bookings_per_s": result["bookings_per_s"],
                                     "gateway_cpu_ms": cpu["gateway_process"], "stand_in_cpu_ms": cpu["sqs_stand_in"],
                                     "5xx": result["server_errors_5xx"]})
                print(tree, rounds[tree][-1], file=sys.stderr, flush=True)
    for tree, found in rounds.items():
        print(tree, "median bookings/s", statistics.median(r["bookings_per_s"] for r in found),
              "gateway CPU ms", statistics.median(r["gateway_cpu_ms"] for r in found),
              "stand-in CPU ms", statistics.median(r["stand_in_cpu_ms"] for r in found),
              "rounds", [r["bookings_per_s"] for r in found])


if __name__ == "__main__":
    main()
