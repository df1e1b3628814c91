"""Settle refunds the request that owed them could not (a crash after the provider answered, an outage)."""
from __future__ import annotations

from shared.bookings import refunds
from shared.core import jobs
from shared.core.uow import UnitOfWork
from shared.tours import models as _tours  # noqa: F401  a refund's booking refers to its tour and departure,
from shared.users import models as _users  # noqa: F401  and to its user: a flush resolves them


async def settle_refunds(uow: UnitOfWork) -> int:
    """Refunds still pending after their change are paid, under the key they were first sent with."""
    return await refunds.settle_pending(uow)


handler = jobs.scheduled_handler(settle_refunds)
