"""Publish the outbox to the notifications queue (every minute)."""
from __future__ import annotations

from shared.core import jobs
from shared.core.uow import UnitOfWork
from shared.notifications import services


async def relay_outbox(uow: UnitOfWork) -> int:
    """Unpublished outbox events go to SQS, oldest first, and are marked published."""
    return await services.relay_outbox(uow)


handler = jobs.scheduled_handler(relay_outbox)
