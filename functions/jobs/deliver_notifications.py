"""POST queued notifications to the webhook (SQS-triggered; failed records are retried with back-off)."""
from __future__ import annotations

from typing import Any

from shared.core import jobs
from shared.core.uow import UnitOfWork
from shared.notifications import services


async def deliver_notifications(uow: UnitOfWork, record: dict[str, Any]) -> None:
    """One queued event to the signed webhook, once per event."""
    await services.deliver(uow, record)


handler = jobs.queue_handler(deliver_notifications)
