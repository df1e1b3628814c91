"""Concurrency: these commit for real, on a departure of their own, and then check the invariant."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import update

from shared.bookings import invariants, jobs, services
from shared.bookings.errors import SoldOutError
from shared.bookings.models import Booking
from shared.bookings.schemas import BookingCreate
from shared.core import db
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure
from shared.users.models import User
from tests.support.builders import make_departure, make_tour, make_user

T = TypeVar("T")


async def _in_own_environment(work: Callable[[], Awaitable[T]], pool: int = 24) -> T:
    """Run on a loop of its own, with a pool big enough for the burst (one engine per loop)."""
    os.environ["DB_POOL_SIZE"] = str(pool)
    reset_settings()

    async def main() -> T:
        try:
            return await work()
        finally:
            await db.dispose_all()

    return await asyncio.to_thread(asyncio.run, main())


async def _setup(capacity: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    async with UnitOfWork() as uow:
        users = [await make_user(uow) for _ in range(4)]
        departure = await make_departure(uow, (await make_tour(uow)).id, capacity=capacity)
        return departure.id, [user.id for user in users]


async def test_two_hundred_concurrent_bookings_never_oversell(database_url: str) -> None:
    async def burst() -> tuple[Counter[str], int, list[invariants.Violation]]:
        departure_id, user_ids = await _setup(capacity=50)
        rng = random.Random(1)
        wanted = [rng.randint(1, 3) for _ in range(200)]

        async def book(n: int) -> str:
            async with UnitOfWork() as uow:
                user = await uow.session.get_one(User, user_ids[n % len(user_ids)])
                try:
                    await services.create_booking(uow, user=user, data=BookingCreate(
                        departure_id=departure_id, seats=wanted[n]))
                    return "201"
                except SoldOutError:
                    return "409"

        outcomes = Counter(await asyncio.gather(*(book(n) for n in range(200))))
        async with UnitOfWork() as uow:
            departure = await uow.session.get(Departure, departure_id)
            assert departure is not None
            return outcomes, departure.seats_taken, await invariants.capacity_violations(uow, [departure_id])

    outcomes, taken, violations = await _in_own_environment(burst)
    assert violations == []
    assert set(outcomes) <= {"201", "409"} and outcomes["201"] + outcomes["409"] == 200
    assert 48 <= taken <= 50  # every request that fitted got its seats: at most 2 left over (requests of ≤ 3)


async def test_expiry_jobs_run_twice_at_once_release_each_seat_once(database_url: str) -> None:
    async def twice() -> tuple[int, int, list[invariants.Violation]]:
        departure_id, user_ids = await _setup(capacity=40)
        async with UnitOfWork() as uow:
            for n in range(30):
                user = await uow.session.get_one(User, user_ids[n % 4])
                await services.create_booking(uow, user=user, data=BookingCreate(departure_id=departure_id, seats=1))
            await uow.session.execute(update(Booking).where(Booking.departure_id == departure_id).values(
                expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
            await uow.commit()

        async def run() -> int:
            async with UnitOfWork() as uow:
                return await jobs.expire_pending(uow)

        first, second = await asyncio.gather(run(), run())
        async with UnitOfWork() as uow:
            departure = await uow.session.get(Departure, departure_id)
            assert departure is not None
            return first + second, departure.seats_taken, await invariants.capacity_violations(uow, [departure_id])

    expired, taken, violations = await _in_own_environment(twice)
    assert expired >= 30 and taken == 0 and violations == []
