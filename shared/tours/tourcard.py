"""A tour's card: what `TourOut` a tour reads as, how the cache stores it, and its write-through after a change.

Apart from the read model (`readmodel`) and the tour schemas (`schemas`, which re-exports these) because every
function that changes a tour (a departure cancelled, a review written, thumbnails made) rewrites its card, and
none of them needs the catalogue's queries of lists, pages and search models (cold start is paid per function).
"""
import datetime as dt
import json
import uuid
from typing import Any

from pydantic import Field
from sqlalchemy import Row

from shared.core import readcache
from shared.core.schemas import Output, Schema, UtcDatetime
from shared.core.uow import UnitOfWork
from shared.tours import queries
from shared.tours.cards import CARD_TTL, GONE, card_key, today
from shared.tours.seats import seats_key

CATALOGUE_VERSION = "tours:version"


class NextDeparture(Schema):
    id: uuid.UUID
    starts_on: dt.date
    seats_left: int


class TourImageOut(Schema):
    id: uuid.UUID
    url: str
    thumbnails: dict[str, str] = Field(description='WebP thumbnails by width ("320", "800"); {} until they are made')


class TourOut(Output):
    id: uuid.UUID
    slug: str
    title: str
    description: str
    country: str
    city: str
    duration_days: int
    price_cents: int
    currency: str
    tags: list[str]
    rating: float | None
    reviews_count: int
    is_published: bool
    image_urls: list[str]
    images: list[TourImageOut] = []
    next_departure: NextDeparture | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


def departures_version_key(tour_id: uuid.UUID) -> str:
    return f"departures:version:{tour_id}"


def changing(uow: UnitOfWork, tour_id: uuid.UUID, *, departures: bool = False) -> None:
    """The tour (or, with `departures`, its departures) changes in this unit of work: once committed, its card
    is written through and the catalogue's pages move (and its departures' pages).

    A tour that is gone (archived, deleted) leaves a tombstone: a read that raced the write and fills
    only-if-absent cannot put its card back.
    """
    async def write() -> dict[str, bytes]:
        day = today()
        rows = (await uow.session.execute(*queries.tours_by_id([tour_id], day))).all()
        return {card_key(tour_id, day): stored(card(rows[0])) if rows else GONE}

    readcache.changed(uow, cards=write, cards_ttl=CARD_TTL, versions=[CATALOGUE_VERSION] + (
        [departures_version_key(tour_id)] if departures else []))


def card(row: Row[Any]) -> TourOut:
    """A tour as the cache holds it: image keys where the URLs go, and the seat count of that moment."""
    tour = row[0]
    return TourOut(
        id=tour.id, slug=tour.slug, title=tour.title, description=tour.description, country=tour.country,
        city=tour.city, duration_days=tour.duration_days, price_cents=tour.price_cents, currency=tour.currency,
        tags=list(tour.tags), rating=tour.rating, reviews_count=tour.reviews_count, is_published=tour.is_published,
        image_urls=[image["url"] for image in row.images], images=row.images, created_at=tour.created_at,
        updated_at=tour.updated_at,
        next_departure=shown(row, False),
    )


def shown(row: Row[Any], window: bool) -> NextDeparture | None:
    """The next departure a list row shows: the first inside the window when there is one, else the card's."""
    if window:
        return (NextDeparture(id=row.inside_id, starts_on=row.inside_starts_on, seats_left=row.inside_seats_left)
                if row.inside_id is not None else None)
    return NextDeparture(id=row.id, starts_on=row.starts_on, seats_left=row.seats_left) if row.id else None


def stored(tour: TourOut) -> bytes:
    """A card as cached: its JSON object, led by `keys`, the key of its next departure's seat count.

    `Cache.get_listing` reads the seat count with the card; validating the card as a `TourOut` ignores `keys`.
    """
    keys = [seats_key(tour.next_departure.id)] if tour.next_departure is not None else []
    return b'{"keys":' + json.dumps(keys).encode() + b"," + tour.model_dump_json().encode()[1:]
