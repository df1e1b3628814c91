"""Embedded services for the zero-set-up run command and the tests: PostgreSQL (pgserver) and moto."""
from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

_servers: dict[Path, Any] = {}


def start_postgres(data_dir: Path, *, database: str = "tourbook") -> str:
    """Start (or reuse) an embedded PostgreSQL in `data_dir`; returns an asyncpg URL on its Unix socket."""
    import pgserver

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _servers.get(data_dir)
    if server is None:
        # cleanup_mode=None: the server outlives this process's exit hooks only until stopped;
        # its data directory stays, so the next run finds its data again.
        server = _servers[data_dir] = pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri = urllib.parse.urlsplit(server.get_uri(database))
    return urllib.parse.urlunsplit(("postgresql+asyncpg", uri.netloc, uri.path, uri.query, ""))
