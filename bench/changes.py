"""Bench 5b: changes under contention — 1000 mixed attempts on two dates of one tour, through the gateway.

Beside bench/bookings.py's contention run (1000 creations on one departure), this one mixes every way a
booking changes: create, pay, shrink and grow (a confirmed booking pays the difference), move to the other
date, cancel (a paid booking is refunded by the policy) and join the waitlist (1 seat), 1000 attempts from
32 httpx workers on one queue, against `python -m local_gateway serve --mode inprocess --processes 2`
(no schedules: only requests move seats and money). The first date (30 seats) starts sold out, the second
(40 seats) has 10 left; 24 users hold 40 bookings, 32 of them paid. Afterwards PostgreSQL must say:

- oversold: departures whose seats taken exceed capacity or differ from the seats of their holding bookings;
- double refunds: bookings whose refund rows add up to more than they record as refunded, refunds above what
  was paid, or two refund rows for one change of a booking (a unique constraint, counted anyway);
- out-of-order offers: offered entries whose offer came before an older entry's (by `seq`), and entries still
  waiting that are older than one offered (every entry asks for 1 seat, so the oldest always fits first);
- stranded seats: a departure with seats left while someone waits.

    .venv/bin/python -m bench.changes      # two runs (BENCH_CHANGES_RUNS), written to bench/results/changes.json
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bench import bookings
from bench.common import PYTHON, RESULTS, log, started

ATTEMPTS = 1000
CONCURRENCY = 32
USERS = 24
OPERATIONS = ("book", "pay", "shrink", "grow", "move", "cancel", "wait")
PORT = int(os.environ.get("BENCH_CHANGES_PORT", "8120"))


@contextmanager
def serving(processes: int = 2) -> Iterator[str]:
    url = f"http://127.0.0.1:{PORT}"
    command = [PYTHON, "-m", "local_gateway", "serve", "--mode", "inprocess", "--host", "127.0.0.1",
               "--port", str(PORT), "--no-schedules", "--no-queues", "--processes", str(processes)]
    with started("the gateway", command, f"{url}/v1/health", bookings._environment(), timeout=120):
        yield url


def _setup(client: httpx.Client) -> tuple[list[str], list[dict[str, str]], list[tuple[str, int]]]:
    """Two dates, the users, and 40 bookings of 1–2 seats (the first 32 paid): 30 seats on each date."""
    users = bookings._users(client, USERS)
    catalogue = bookings.Catalogue(client)
    dates = [catalogue.departure(30), catalogue.departure(40)]
    held: list[tuple[str, int]] = []
    seats = [1, 2] * 20  # 60 seats: the first date's 30 first, then 30 of the second's 40
    for n, wanted in enumerate(seats):
        user = n % USERS
        for departure in dates:
            reply = client.post("/v1/bookings", headers=users[user],
                                json={"departure_id": departure, "seats": wanted})
            if reply.status_code == 201:
                held.append((reply.json()["id"], user))
                break
    for booking_id, user in held[:32]:
        client.post(f"/v1/bookings/{booking_id}/pay", headers=users[user],
                    json={"payment_token": "tok_ok"}).raise_for_status()
    return dates, users, held


async def _fire(url: str, dates: list[str], users: list[dict[str, str]], held: list[tuple[str, int]]
                ) -> tuple[Counter[str], list[float], float]:
    rng = random.Random(16)
    plan = [(rng.choice(OPERATIONS), rng.random(), rng.random(), rng.randint(1, 3)) for _ in range(ATTEMPTS)]
    queue = iter(plan)
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def one(operation: str, a: float, b: float, seats: int) -> httpx.Response:
            user = int(a * USERS)
            if operation == "book":
                return await client.post("/v1/bookings", headers=users[user],
                                         json={"departure_id": dates[int(b * 2)], "seats": seats})
            if operation == "wait":
                return await client.post(f"/v1/departures/{dates[int(b * 2)]}/waitlist", headers=users[user],
                                         json={"seats": 1})
            booking_id, owner = held[int(a * len(held))]
            headers = users[owner]
            if operation == "pay":
                return await client.post(f"/v1/bookings/{booking_id}/pay", headers=headers,
                                         json={"payment_token": "tok_ok"})
            if operation == "cancel":
                return await client.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)
            shown = (await client.get(f"/v1/bookings/{booking_id}", headers=headers)).json()
            change: dict[str, Any] = {"payment_token": "tok_ok"}
            if operation == "move":
                change["departure_id"] = dates[1] if shown["departure_id"] == dates[0] else dates[0]
            else:
                change["seats"] = min(10, shown["seats"] + 1) if operation == "grow" else max(1, shown["seats"] - 1)
            return await client.patch(f"/v1/bookings/{booking_id}", headers=headers, json=change)

        async def worker() -> None:
            for step in queue:
                sent = time.perf_counter()
                try:
                    response = await one(*step)
                except httpx.HTTPError as error:
                    outcomes[f"{step[0]}:{type(error).__name__}"] += 1
                    continue
                latencies.append((time.perf_counter() - sent) * 1000)
                if response.status_code == 201 and step[0] == "book":
                    held.append((response.json()["id"], int(step[1] * USERS)))
                code = response.json().get("code") if response.status_code >= 400 else "ok"
                outcomes[f"{step[0]}:{response.status_code}:{code}"] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return outcomes, latencies, time.perf_counter() - began


def _count(sql: str) -> int:
    return int(bookings._psql(sql) or 0)


def _database(dates: list[str]) -> dict[str, Any]:
    ids = ", ".join(f"'{departure}'" for departure in dates)
    ours = f"SELECT id FROM booking WHERE departure_id IN ({ids})"
    oversold = _count(
        "SELECT COUNT(*) FROM (SELECT d.id FROM departure d LEFT JOIN booking b ON b.departure_id = d.id "
        f"WHERE d.id IN ({ids}) GROUP BY d.id HAVING d.seats_taken > d.capacity OR d.seats_taken <> "
        "COALESCE(SUM(b.seats) FILTER (WHERE b.status IN ('pending', 'confirmed')), 0)) AS bad")
    double_refunds = _count(
        f"SELECT COUNT(*) FROM booking b WHERE b.id IN ({ours}) AND (b.refunded_cents > b.paid_cents OR "
        "(SELECT COALESCE(SUM(amount_cents), 0) FROM refund r WHERE r.booking_id = b.id) <> b.refunded_cents)"
    ) + _count(f"SELECT COUNT(*) - COUNT(DISTINCT (booking_id, version)) FROM refund WHERE booking_id IN ({ours})")
    out_of_order = _count(
        "SELECT COUNT(*) FROM waitlist_entry a JOIN waitlist_entry b ON a.departure_id = b.departure_id "
        f"AND a.seq < b.seq WHERE a.departure_id IN ({ids}) AND ((a.status = 'offered' AND b.status = 'offered' "
        "AND a.offered_at > b.offered_at) OR (a.status = 'waiting' AND b.status = 'offered'))")
    stranded = _count(
        f"SELECT COUNT(*) FROM departure d WHERE d.id IN ({ids}) AND d.capacity > d.seats_taken AND EXISTS "
        "(SELECT 1 FROM waitlist_entry w WHERE w.departure_id = d.id AND w.status = 'waiting')")
    money = bookings._psql(
        f"SELECT COALESCE(SUM(paid_cents), 0), COALESCE(SUM(refunded_cents), 0) FROM booking WHERE id IN ({ours})")
    refunds = bookings._psql(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'done'), COUNT(*) FILTER (WHERE status = 'pending') "
        f"FROM refund WHERE booking_id IN ({ours})")
    waitlist = bookings._psql(
        "SELECT COUNT(*) FILTER (WHERE status = 'waiting'), COUNT(*) FILTER (WHERE status = 'offered') "
        f"FROM waitlist_entry WHERE departure_id IN ({ids})")
    paid, refunded = (int(value) for value in money.split("|"))
    rows, done, pending = (int(value) for value in refunds.split("|"))
    waiting, offered = (int(value) for value in waitlist.split("|"))
    return {"oversold_departures": oversold, "double_refunds": double_refunds, "out_of_order_offers": out_of_order,
            "seats_free_while_someone_waits": stranded, "paid_cents": paid, "refunded_cents": refunded,
            "refund_rows": rows, "refunds_done": done, "refunds_pending": pending,
            "waitlist_waiting": waiting, "waitlist_offered": offered}


def run() -> dict[str, Any]:
    log("changes: migrating the bench database")
    bookings.migrate()
    with serving() as url, httpx.Client(base_url=url, timeout=30) as client:
        dates, users, held = _setup(client)
        log(f"changes: {len(held)} bookings on two dates; {ATTEMPTS} mixed attempts from {CONCURRENCY} workers")
        outcomes, latencies, elapsed = asyncio.run(_fire(url, dates, users, held))
    database = _database(dates)
    server_errors = sum(count for outcome, count in outcomes.items() if outcome.split(":")[1].startswith("5"))
    no_response = sum(count for outcome, count in outcomes.items() if not outcome.split(":")[1].isdigit())
    latencies.sort()
    result = {
        "what": f"{ATTEMPTS} mixed attempts ({', '.join(OPERATIONS)}) on two dates of one tour through the inprocess "
                f"gateway (2 processes, port {PORT}), {CONCURRENCY} httpx workers, seeded",
        "command": ".venv/bin/python -m bench.changes",
        "recorded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "database_url": bookings.DATABASE_URL.split("@")[-1],
        "elapsed_s": round(elapsed, 2),
        "attempts": sum(outcomes.values()),
        "outcomes": dict(sorted(outcomes.items())),
        "server_errors_5xx": server_errors,
        "no_response": no_response,
        "latency_ms": {"p50": round(latencies[len(latencies) // 2], 1),
                       "p99": round(latencies[int(len(latencies) * 0.99)], 1)} if latencies else {},
        "database": database,
    }
    result["met"] = (database["oversold_departures"] == 0 and database["double_refunds"] == 0
                     and database["out_of_order_offers"] == 0 and database["seats_free_while_someone_waits"] == 0
                     and server_errors == 0 and no_response == 0)
    log(f"changes: {json.dumps(database)}; 5xx {server_errors}; met: {result['met']}")
    return result


if __name__ == "__main__":
    runs = [run() for _ in range(int(os.environ.get("BENCH_CHANGES_RUNS", "2")))]  # each on a fresh tour
    found = {"runs": runs, "met": all(one["met"] for one in runs)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "changes.json").write_text(json.dumps(found, indent=2) + "\n")
    print(json.dumps(found, indent=2))
