"""Delete the Pushgateway groups of execution environments that stopped pushing (every 5 minutes)."""
from __future__ import annotations

import asyncio

from shared.core import jobs, pushgateway
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork


async def prune_metrics(uow: UnitOfWork) -> int:
    """Groups of this job silent for longer than METRICS_STALE_AFTER_SECONDS are deleted."""
    settings = get_settings()
    if not settings.pushgateway_url:
        return 0
    return await asyncio.to_thread(pushgateway.prune, settings.pushgateway_url, job=settings.metrics_job,
                                   max_age_seconds=settings.metrics_stale_after_seconds)


handler = jobs.scheduled_handler(prune_metrics)
