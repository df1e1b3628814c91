"""Expire unpaid bookings whose hold has run out (every minute)."""
from __future__ import annotations

from shared.bookings import jobs as booking_jobs
from shared.core import jobs
from shared.core.uow import UnitOfWork


async def expire_bookings(uow: UnitOfWork) -> int:
    """Pending bookings past their hold expire and give their seats back."""
    return await booking_jobs.expire_pending(uow)


handler = jobs.scheduled_handler(expire_bookings)
