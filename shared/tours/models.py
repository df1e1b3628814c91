"""Tours, their dated departures and their images."""

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, uuid_pk

SEARCH_CONFIG = "english"
_SEARCH_SOURCE = (
    f"to_tsvector('{SEARCH_CONFIG}'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '') || ' ' "
    "|| coalesce(country, '') || ' ' || coalesce(city, '') || ' ' || tour_tags_text(tags))"
)  # tour_tags_text: an IMMUTABLE array_to_string of the tags (migration 0009), so `q` finds tags too


class Tour(Base):
    __tablename__ = "tour"
    __table_args__ = (
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("duration_days BETWEEN 1 AND 60", name="duration"),
        CheckConstraint("reviews_count >= 0 AND rating_sum >= 0", name="reviews"),
        # Lists read published tours only (and their indexes hold only those), so an archived tour is never one.
        CheckConstraint("archived_at IS NULL OR NOT is_published", name="archived_unpublished"),
        Index("ix_tour_search", "search", postgresql_using="gin"),
        Index("ix_tour_tags", "tags", postgresql_using="gin"),
        # One index per sort of GET /v1/tours, over published tours, with `id` as the tie-breaker.
        Index("ix_tour_created", text("created_at DESC"), text("id DESC"), postgresql_where="is_published"),
        Index("ix_tour_price", "price_cents", "id", postgresql_where="is_published"),
        Index("ix_tour_rating", text("coalesce(rating, 0)"), "id", postgresql_where="is_published"),
        Index("ix_tour_country_price", text("lower(country)"), "price_cents", "id", postgresql_where="is_published"),
        Index("ix_tour_city", text("lower(city)"), postgresql_where="is_published"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(240), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    duration_days: Mapped[int]
    price_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list, server_default="{}")
    rating: Mapped[float | None] = mapped_column(Numeric(3, 2, asdecimal=False))
    rating_sum: Mapped[int] = mapped_column(default=0, server_default="0")
    reviews_count: Mapped[int] = mapped_column(default=0, server_default="0")
    is_published: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Set when a tour that had bookings is deleted: gone from every read, kept for its bookings and reviews.
    archived_at: Mapped[dt.datetime | None]
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(_SEARCH_SOURCE, persisted=True), deferred=True)
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Departure(Base):
    """A dated run of a tour. `seats_taken` is kept in the same transaction as every booking change."""

    __tablename__ = "departure"
    __table_args__ = (
        UniqueConstraint("tour_id", "starts_on"),
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_taken"),
        CheckConstraint("status IN ('open', 'closed', 'cancelled')", name="status"),
        CheckConstraint("price_cents IS NULL OR price_cents > 0", name="price_positive"),
        # The date/seats window of GET /v1/tours: open departures by date, seats readable from the index.
        Index("ix_departure_open_window", "starts_on", "tour_id", "capacity", "seats_taken",
              postgresql_where="status = 'open'"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tour_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date]
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # +1 with every change of seats_taken or capacity, under the row lock: orders the cached counts.
    seats_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    price_cents: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken
