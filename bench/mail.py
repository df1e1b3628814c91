"""Bench: commit → e-mail captured, under 20 bookings a second for a minute (issue 14's target: p95 ≤ 5 s).

The gateway is `python -m local_gateway serve --mode inprocess` as `make run` runs it (in-process moto for SQS,
the in-process cache, MAIL_BACKEND=local into a scratch mailbox, the schedules on: the relay every minute is the
safety net), on BENCH_MAIL_DATABASE_URL. The mail path is AWS's: each booking's commit publishes its
`booking.created` event to SQS at once; the gateway's poller hands it to DeliverNotificationsFunction, which
renders the mail and captures it. This process sends 1-seat bookings open-loop at RATE a second for SECONDS
(a request every 1/RATE s, whatever the answers), from USERS users on two 1000-seat departures, and notes
each request's wall-clock send time. The latency of a booking's mail is the capture time written in the mail
(`created_at`, ms) minus that send time: an upper bound of commit → captured (it includes the request itself).
Mails are matched to bookings by the booking link in their text. The load average and the gateway's CPU
are recorded beside the figures: the machine is shared.

Earlier runs are settled first: their bookings are held for 15 minutes and then expire, each mailing its
user, so a run within a quarter of an hour of another met up to 1 800 extra mails at once in its minute (and a
gateway stopped mid-run can leave events for the relay). Those bookings are marked expired and their seats
released straight in PostgreSQL, their unpublished events marked published, without mail; how many is recorded.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import tempfile
import urllib.parse
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.bookings import PASSWORD, Catalogue, Gateway, _bearer
from bench.common import PYTHON, free_port, log, started
from bench.stats import summary

DATABASE_URL = os.environ.get(
    "BENCH_MAIL_DATABASE_URL", "postgresql+asyncpg://tourbook:tourbook@127.0.0.1:5432/tourbook_bench")
RATE = 20.0
USERS = 20
LINK = re.compile(r"/bookings/([0-9a-f-]{36})")


SETTLE = """
WITH bench AS (SELECT id FROM user_account WHERE email LIKE 'bench-mail-%'),
settled AS (
    UPDATE booking SET status = 'expired', updated_at = now(), version = version + 1
    WHERE status = 'pending' AND user_id IN (SELECT id FROM bench) RETURNING departure_id, seats
),
released AS (
    UPDATE departure SET seats_taken = departure.seats_taken - freed.seats
    FROM (SELECT departure_id, SUM(seats) AS seats FROM settled GROUP BY departure_id) AS freed
    WHERE departure.id = freed.departure_id RETURNING departure.id
),
published AS (
    UPDATE outbox_event SET published_at = now()
    WHERE published_at IS NULL AND user_id IN (SELECT id FROM bench) RETURNING id
)
SELECT (SELECT COUNT(*) FROM settled), (SELECT COUNT(*) FROM published), (SELECT COUNT(*) FROM released)
"""


def _settle_earlier_runs() -> dict[str, int]:
    """Earlier runs' pending bookings expired (seats released) and unpublished events marked published, mail-less."""
    parsed = urllib.parse.urlsplit(DATABASE_URL.replace("+asyncpg", ""))
    env = dict(os.environ, PGPASSWORD=urllib.parse.unquote(parsed.password or ""))
    done = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", SETTLE,
                           "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
                           "-U", parsed.username or "postgres", parsed.path.lstrip("/")],
                          env=env, capture_output=True, text=True, check=True, timeout=120)
    bookings, events, _ = (int(value) for value in done.stdout.strip().split("|"))
    return {"pending_bookings_expired": bookings, "unpublished_events_marked": events}


def _environment(mailbox: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("GATEWAY_MODE", "GATEWAY_WORKERS", "PORT", "REDIS_URL", "AWS_ENDPOINT_URL",
                           "NOTIFICATIONS_QUEUE_URL", "MAIL_BACKEND", "SMTP_URL")}
    env.update({"DATABASE_URL": DATABASE_URL, "PUSHGATEWAY_URL": "", "MAIL_BACKEND": "local",
                "MAIL_LOCAL_DIR": str(mailbox), "MAIL_LOCAL_KEEP": "100000", "REGISTER_MAX_PER_IP": "1000000",
                "LOG_LEVEL": "WARNING"})
    return env


async def _load(url: str, users: list[dict[str, str]], departures: list[str], seconds: float, rate: float
                ) -> tuple[dict[str, float], list[int]]:
    """Open-loop bookings; {booking id: wall-clock send time} of the 201s, and every status."""
    sent_at: dict[str, float] = {}
    statuses: list[int] = []
    total = int(rate * seconds)
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)) as client:
        began = time.perf_counter()

        async def book(n: int) -> None:
            await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
            wall = time.time()
            response = await client.post("/v1/bookings", headers=users[n % len(users)],
                                         json={"departure_id": departures[n % len(departures)], "seats": 1})
            statuses.append(response.status_code)
            if response.status_code == 201:
                sent_at[str(response.json()["id"])] = wall

        await asyncio.gather(*(book(n) for n in range(total)))
    return sent_at, statuses


def _captured(mailbox: Path) -> dict[str, float]:
    """{booking id: capture time} of the booking e-mails in the mailbox."""
    found: dict[str, float] = {}
    for path in mailbox.glob("*.json"):
        item = json.loads(path.read_text())
        match = LINK.search(item["text"])
        if match and item["subject"].startswith("Your seats are held"):
            found[match.group(1)] = dt.datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).timestamp()
    return found


def run(seconds: int = 60, rate: float = RATE) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tourbook-mailbox-") as scratch:
        mailbox = Path(scratch)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [PYTHON, "-m", "local_gateway", "serve", "--mode", "inprocess", "--host", "127.0.0.1",
                   "--port", str(port)]
        with started("the gateway", command, f"{url}/v1/health", _environment(mailbox), timeout=180) as process:
            gateway = Gateway(url, process.pid, process.stderr)
            settled = _settle_earlier_runs()  # the database is migrated now
            with httpx.Client(base_url=url, timeout=30) as client:
                catalogue = Catalogue(client)
                departures = [catalogue.departure(1000), catalogue.departure(1000)]
                users = []
                for _ in range(USERS):
                    email = f"bench-mail-{uuid.uuid4().hex[:12]}@example.com"
                    client.post("/v1/auth/register", json={"email": email, "password": PASSWORD}).raise_for_status()
                    users.append(_bearer(client, email, PASSWORD))
            time.sleep(3)  # the registrations' verification mails go first
            log(f"mail: {rate:g} bookings/s for {seconds} s")
            load_before, cpu_before = os.getloadavg()[0], gateway.cpu_seconds()
            sent_at, statuses = asyncio.run(_load(url, users, departures, seconds, rate))
            load_after = os.getloadavg()[0]
            deadline = time.monotonic() + 90
            captured = _captured(mailbox)
            while len(set(sent_at) & set(captured)) < len(sent_at) and time.monotonic() < deadline:
                time.sleep(1)
                captured = _captured(mailbox)
            cpu = gateway.cpu_seconds() - cpu_before
            errors = gateway.errors()
    latencies = [captured[booking] - sent for booking, sent in sent_at.items() if booking in captured]
    return {
        "rate_per_s": rate, "seconds": seconds, "attempts": len(statuses),
        "statuses": {str(status): statuses.count(status) for status in sorted(set(statuses))},
        "bookings": len(sent_at), "mails_captured": len(latencies), "mails_missing": len(sent_at) - len(latencies),
        "commit_to_captured_s": summary(latencies, digits=3) if latencies else None,
        "target_p95_s": 5.0,
        "loadavg_1m_before": round(load_before, 2), "loadavg_1m_after": round(load_after, 2),
        "cpu_count": os.cpu_count(), "gateway_cpu_s": round(cpu, 1), "gateway_errors": errors[:10],
        "earlier_runs_settled": settled,
    }
