"""The real services the tests use: from TEST_* variables, else local defaults, else embedded PostgreSQL.

In CI (CI=true) a missing service fails the test that needs it; elsewhere such a test is skipped.
"""
from __future__ import annotations

import functools
import os
import socket
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=0.5):
            return True
    except OSError:
        return False


def require(name: str, url: str | None) -> str:
    if url and _reachable(url):
        return url
    message = f"{name} is not reachable at {url!r}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return require("PostgreSQL", url.replace("postgresql+asyncpg", "postgresql", 1)) and url
    if IN_CI:
        pytest.fail("TEST_DATABASE_URL is not set")
    from local_gateway.embedded import start_postgres

    return start_postgres(ROOT / ".data" / "test-pg", database="tourbook_test")


def redis_url() -> str:
    return require("Redis", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def pushgateway_url() -> str:
    return require("Pushgateway", os.environ.get("TEST_PUSHGATEWAY_URL", "http://127.0.0.1:9091"))
