"""Migrations match the models and round-trip, on a scratch database of their own."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url

from tests.support.database import alembic_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scratch_url(database_url: str) -> Iterator[str]:
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    asyncio.run(_execute(database_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _execute(url: str, statement: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(_dsn(url))
    try:
        return list(await connection.fetch(statement))
    finally:
        await connection.close()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tables(url: str) -> set[str]:
    rows = asyncio.run(_execute(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return {row["tablename"] for row in rows} - {"alembic_version"}


def test_upgrade_check_downgrade_and_upgrade_again(scratch_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.core.settings import reset_settings

    monkeypatch.setenv("DATABASE_URL", scratch_url)
    reset_settings()
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    assert {"user_account", "token_family", "refresh_token", "login_event"} <= _tables(scratch_url)
    command.check(config)  # raises if the models and the migrations disagree
    command.downgrade(config, "base")
    assert _tables(scratch_url) == set()
    command.upgrade(config, "head")
    command.check(config)


def test_check_notices_drift(scratch_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import Column, Integer, Table

    from shared.core.orm import Base
    from shared.core.settings import reset_settings

    monkeypatch.setenv("DATABASE_URL", scratch_url)
    reset_settings()
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    drift = Table("drift_probe", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        with pytest.raises(CommandError):
            command.check(config)
    finally:
        Base.metadata.remove(drift)


def test_the_migrate_function_brings_a_database_to_head_and_is_safe_to_repeat(
    scratch_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the deploy invokes (bin/deploy): from empty to head, then once more with nothing to do."""
    from alembic.script import ScriptDirectory

    from functions.migrate import migrate_database
    from shared.core.settings import reset_settings

    monkeypatch.setenv("DATABASE_URL", scratch_url)
    reset_settings()
    command.downgrade(alembic_config(scratch_url), "base")
    heads = sorted(ScriptDirectory.from_config(alembic_config(scratch_url)).get_heads())
    for _ in range(2):
        assert migrate_database.handler({}, None) == {"migrated_to": "head", "heads": heads}
        rows = asyncio.run(_execute(scratch_url, "SELECT version_num FROM alembic_version"))
        assert sorted(row["version_num"] for row in rows) == heads
    assert {"user_account", "booking", "tour"} <= _tables(scratch_url)


def test_the_migrate_function_leaves_the_garbage_collector_on_as_lambda_runs_it(scratch_url: str) -> None:
    # On Lambda the layer's first import pauses collection until init is over; this function loads the layer
    # only in its invocation, so it must resume collection itself.
    probe = ("import gc, json\nfrom functions.migrate import migrate_database\n"
             "migrate_database.handler({}, None)\nprint(json.dumps([gc.isenabled(), gc.get_freeze_count() > 0]))")
    environment = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_FUNCTION_NAME": "MigrateFunction",
                   "DATABASE_URL": scratch_url}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True]
