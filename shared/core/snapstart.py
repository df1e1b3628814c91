"""Lambda SnapStart: close what cannot be frozen before the snapshot, renew what must be unique after a restore.

Init (imports, schemas, statements) is snapshotted once per published version and restored into many execution
environments. A connection in the snapshot would be shared by all of them, and so would the state of `random`
and the metrics instance id; the hooks below make each restored environment its own. They are registered with
the runtime's `snapshot_restore_py` only when Lambda initialises for SnapStart, so nothing else imports it.
"""
from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Callable
from typing import TypeVar

import shared

logger = logging.getLogger(__name__)
Build = TypeVar("Build", bound=Callable[[], object])
_primers: list[Callable[[], object]] = []
_installed = False


def prime(build: Build) -> Build:
    """Register work worth freezing in the snapshot (statements, templates); it runs before the snapshot."""
    _primers.append(build)
    return build


def install() -> None:
    """Init is over (the handler is built): let the garbage collector run again (`shared.init_done`), and register
    the hooks with the Lambda runtime when this environment initialises for a SnapStart snapshot."""
    global _installed
    shared.init_done()
    if _installed or os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start":
        return
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    _installed = True


def before_snapshot() -> None:
    """Build what can be frozen, then close every connection and client: none may be in the snapshot."""
    for build in _primers:
        build()
    _close_clients()


def after_restore() -> None:
    """A new random stream, a new metrics identity and cold-start flag, fresh pools and clients."""
    random.seed()  # from os.urandom: environments restored from one snapshot must not draw the same numbers
    from shared.core import metrics

    metrics.renew_environment()
    _close_clients()  # a restore never finds one open, but if init left any, they are the snapshot's: drop them


def _close_clients() -> None:
    from shared.core import aws, cache, db, metrics

    for loop in db.loops() | cache.loops():
        if loop.is_closed() or loop.is_running():
            continue
        loop.run_until_complete(_close_loop_clients())
    db.forget_engines()
    cache.forget_clients()
    aws.reset()
    metrics.close_pusher()


async def _close_loop_clients() -> None:
    from shared.core import cache, db

    for close in (db.dispose_all, cache.close):
        try:
            await close()
        except (OSError, asyncio.TimeoutError, RuntimeError) as exc:  # closing what is already broken
            logger.warning("closing a client before the snapshot failed: %r", exc)
