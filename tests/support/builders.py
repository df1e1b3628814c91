"""Small typed builders with random suffixes, so no test depends on another's data."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shared.bookings import services as booking_services
from shared.bookings.models import Booking
from shared.bookings.schemas import BookingCreate
from shared.core.uow import UnitOfWork
from shared.tours import services as tour_services
from shared.tours.schemas import DepartureCreate, DepartureOut, TourCreate, TourOut
from shared.users import services
from shared.users.models import User

DEFAULT_PASSWORD = "correct horse battery"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


async def make_user(
    uow: UnitOfWork, *, email: str | None = None, password: str = DEFAULT_PASSWORD, role: str = "user",
    full_name: str | None = "Test User",
) -> User:
    return await services.ensure_user(
        uow, email=email or unique_email(role), password=password, role=role, full_name=full_name
    )


async def make_tour(uow: UnitOfWork, **overrides: Any) -> TourOut:
    fields: dict[str, Any] = {
        "title": f"Tour {uuid.uuid4().hex[:8]}", "description": "A fine trip.", "country": "Portugal",
        "city": "Lisbon", "duration_days": 5, "price_cents": 100_000, "currency": "EUR", "tags": ["city"],
        "is_published": True,
    }
    return await tour_services.create_tour(uow, data=TourCreate(**(fields | overrides)))


async def make_departure(uow: UnitOfWork, tour_id: uuid.UUID, *, days_ahead: int = 30, capacity: int = 20,
                         price_cents: int | None = None) -> DepartureOut:
    starts_on = dt.date.today() + dt.timedelta(days=days_ahead)
    return await tour_services.create_departure(
        uow, tour_id=tour_id, data=DepartureCreate(starts_on=starts_on, capacity=capacity, price_cents=price_cents)
    )


async def make_booking(uow: UnitOfWork, user: User, departure_id: uuid.UUID, *, seats: int = 1) -> Booking:
    data = BookingCreate(departure_id=departure_id, seats=seats)
    return await booking_services.create_booking(uow, user=user, data=data)
