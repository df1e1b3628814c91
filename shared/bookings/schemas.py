"""Request and response models of the booking endpoints."""

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from shared.core.schemas import Input, Output, Page, PageQuery, Patch, UtcDatetime, pages

Status = Literal["pending", "confirmed", "cancelled", "expired", "completed"]
Traveller = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class BookingCreate(Input):
    """At most as many `travellers` as `seats` (422)."""

    departure_id: uuid.UUID
    seats: int = Field(ge=1, le=10)
    travellers: list[Traveller] = Field(default_factory=list, max_length=10)
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None

    @model_validator(mode="after")
    def _travellers_fit(self) -> Self:
        if len(self.travellers) > self.seats:
            raise ValueError("more travellers than seats")
        return self


class AdminBookingCreate(BookingCreate):
    """A booking an admin makes for a user; `paid_offline` confirms it at once (paid at the desk)."""

    user_id: uuid.UUID
    paid_offline: bool = False


class BookingUpdate(Patch):
    """Leave a field out to keep it. A confirmed booking whose new total is higher needs `payment_token`."""

    seats: int | None = Field(default=None, ge=1, le=10)
    travellers: list[Traveller] | None = Field(default=None, max_length=10)
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    departure_id: uuid.UUID | None = None
    payment_token: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class WaitlistJoin(Input):
    seats: int = Field(ge=1, le=10)


class PaymentIn(Input):
    payment_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class BookingsQuery(PageQuery):
    status: Status | None = None


class AdminBookingsQuery(BookingsQuery):
    tour_id: uuid.UUID | None = None
    departure_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class BookingOut(Output):
    id: uuid.UUID
    user_id: uuid.UUID
    tour_id: uuid.UUID
    departure_id: uuid.UUID
    starts_on: dt.date
    seats: int
    travellers: list[str]
    note: str | None
    total_cents: int
    currency: str
    status: Status
    paid_cents: int
    refunded_cents: int
    payment_method: Literal["card", "offline"] | None
    expires_at: UtcDatetime | None
    checked_in_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class BookingTicketOut(Output):
    booking_id: uuid.UUID
    code: str
    qr_svg: str


class CheckInIn(Input):
    code: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class WaitlistEntryOut(Output):
    """`position` counts from 1 among the departure's waiting entries; null once offered (see `booking_id`)."""

    id: uuid.UUID
    departure_id: uuid.UUID
    seats: int
    position: int | None
    status: Literal["waiting", "offered"]
    booking_id: uuid.UUID | None
    created_at: UtcDatetime


if TYPE_CHECKING:
    BookingPage = Page[BookingOut]
    WaitlistPage = Page[WaitlistEntryOut]
else:
    __getattr__ = pages(__name__, BookingPage="BookingOut", WaitlistPage="WaitlistEntryOut")
