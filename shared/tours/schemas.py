"""Request and response models of the tour, departure and image endpoints."""

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from shared.core.schemas import (
    PG_INT_MAX, ImageType, Input, Output, Page, PageQuery, Patch, PresignedPost, Schema, pages,
)
from shared.tours.tourcard import NextDeparture, TourImageOut, TourOut

__all__ = ["NextDeparture", "TourImageOut", "TourOut"]  # the card's schemas, defined with the card (`tourcard`)

Currency = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]
HORIZON_DAYS = 3652  # how far ahead a departure may be planned: ten years
TourSort = Literal["price", "-price", "rating", "-rating", "starts_on", "-created_at"]


class TourFields(Input):
    title: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    country: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    city: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    duration_days: int = Field(ge=1, le=60)
    price_cents: int = Field(gt=0, le=100_000_000)
    currency: Currency
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    is_published: bool = False

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, tags: list[str]) -> list[str]:
        return list(dict.fromkeys(tag.lower() for tag in tags))


class TourCreate(TourFields):
    pass


class TourUpdate(Patch):

    title: Annotated[str, StringConstraints(min_length=3, max_length=200)] | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = None
    country: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    city: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    duration_days: int | None = Field(default=None, ge=1, le=60)
    price_cents: int | None = Field(default=None, gt=0, le=100_000_000)
    currency: Currency | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    is_published: bool | None = None

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else list(dict.fromkeys(tag.lower() for tag in tags))


class ToursQuery(PageQuery):
    """`date_from` must not be after `date_to`, nor `min_price` above `max_price` (422)."""

    q: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    country: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    city: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    tag: Tag | None = None
    min_price: int | None = Field(default=None, ge=0, le=PG_INT_MAX)
    max_price: int | None = Field(default=None, ge=0, le=PG_INT_MAX)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    seats: int | None = Field(default=None, ge=1, le=1000)
    sort: TourSort = "-created_at"

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError("min_price must not be above max_price")
        return self

    @property
    def has_window(self) -> bool:
        return bool(self.date_from or self.date_to or self.seats)


class AdminToursQuery(PageQuery):
    q: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    is_published: bool | None = None


class DepartureCreate(Input):
    """`starts_on` must be after today (UTC) and at most ten years ahead (422)."""

    starts_on: dt.date
    capacity: int = Field(ge=1, le=1000)
    price_cents: int | None = Field(default=None, gt=0, le=100_000_000)

    @field_validator("starts_on")
    @classmethod
    def _in_the_future(cls, starts_on: dt.date) -> dt.date:
        today = dt.datetime.now(dt.timezone.utc).date()
        if starts_on <= today:
            raise ValueError("starts_on must be after today (UTC)")
        # A bound, not only a policy: a trip's last day (and every date computed from it) must exist.
        if starts_on > today + dt.timedelta(days=HORIZON_DAYS):
            raise ValueError("starts_on must be at most ten years ahead")
        return starts_on


class DepartureUpdate(Patch):
    capacity: int | None = Field(default=None, ge=1, le=1000)
    status: Literal["open", "closed"] | None = None


class DeparturesQuery(PageQuery):
    """`date_from` must not be after `date_to` (422)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self


class DepartureOut(Output):
    id: uuid.UUID
    tour_id: uuid.UUID
    starts_on: dt.date
    capacity: int
    seats_left: int
    price_cents: int
    currency: str
    status: Literal["open", "closed", "cancelled"]


class ImageUploadIn(Input):
    content_type: ImageType


class ImageUploadOut(Schema):
    upload: PresignedPost
    key: str
    expires_in: int
    image_id: uuid.UUID


if TYPE_CHECKING:
    TourPage = Page[TourOut]
    DeparturePage = Page[DepartureOut]
else:
    __getattr__ = pages(__name__, TourPage="TourOut", DeparturePage="DepartureOut")
