"""Complete confirmed bookings whose trip has ended (every hour)."""
from __future__ import annotations

from shared.bookings import jobs as booking_jobs
from shared.core import jobs
from shared.core.uow import UnitOfWork


async def complete_bookings(uow: UnitOfWork) -> int:
    """Confirmed bookings whose last day has passed become completed."""
    return await booking_jobs.complete_finished(uow)


handler = jobs.scheduled_handler(complete_bookings)
