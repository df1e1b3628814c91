"""Deliver queued notifications (webhook, e-mail, Telegram), a batch at a time (SQS-triggered; failed records are
retried with back-off)."""
from __future__ import annotations

from typing import Any

from shared.core import jobs
from shared.core.uow import UnitOfWork
from shared.notifications import services


async def deliver_notifications(uow: UnitOfWork, records: list[dict[str, Any]]) -> dict[str, BaseException]:
    """A batch of queued events on each of their channels, once per event and channel."""
    return await services.deliver_batch(uow, records)


handler = jobs.batch_queue_handler(deliver_notifications)
