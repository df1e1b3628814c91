"""Tour and departure reads served from the cache when warm, with live seat counts (`shared.core.readcache`).

- `card:<id>:<today>` (`cards.py`) — a tour's *card*: its `TourOut` as JSON, with image and thumbnail keys where
  the URLs go and the next departure's seat count of that moment, which every read replaces with the live one;
  led by `keys`, the key of that live count, so that one round trip reads both (`tourcard.stored`). A tour that
  is gone leaves a tombstone card (`GONE`), so a read that raced the archive cannot bring it back. Cards are
  written through by `tourcard.changing` after every commit that changes a tour.
- `seats:<departure id>` — seats left, a count entry (`seats.py`).
- `tours:page:<catalogue version>[:<seats version>]:<today>:<query hash>` — a page of tour ids with the keys of
  their cards and seat counts. Every tour or departure write moves the catalogue version; pages filtered by date
  or seats (whose membership depends on seat counts) also carry the seats version and name each tour's first
  departure inside the window (`inside`), which the page shows instead of the card's next departure.
- `slug:<slug>` — the id of the tour with that slug (slugs never change).
- `departures:page:<tour id>:<departures version>:<today>:<query hash>` — a page of departure rows without
  seats, with the keys of their seat counts; every departure write of that tour moves its version.

A warm read needs no SQL and one cache round trip; a cold one, one statement. Dates are in the keys because
"next departure" and "future" change at midnight UTC. Presigned image URLs are made at read time, never cached.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

import pydantic_core
from sqlalchemy import Row, select

from shared.core import readcache
from shared.core.cache import get_cache
from shared.core.uow import UnitOfWork
from shared.tours import images, queries, tourcard
from shared.tours.cards import CARD_TTL, GONE, card_key, today
from shared.tours.seats import SEATS_VERSION, Seats, counts, seats_key
from shared.tours.models import Departure, Tour
from shared.tours.schemas import AdminToursQuery, DepartureOut, DeparturesQuery, ToursQuery
from shared.tours.tourcard import CATALOGUE_VERSION, NextDeparture, TourOut, departures_version_key

SLUG = re.compile(r"[a-z0-9-]{1,240}")
SLUG_TTL = 7 * 24 * 3600
_CARD_FIELDS = ["keys", *TourOut.model_fields]  # a card as `tourcard.stored` writes it


def slug_key(slug: str) -> str:
    return f"slug:{slug}"


async def list_tours(uow: UnitOfWork, query: ToursQuery) -> tuple[list[TourOut], str | None]:
    """A page of published tours: when warm, one cache round trip; when cold, one SQL statement that warms it."""
    day, window = today(), query.has_window
    fetched: list[Row[Any]] = []

    async def build() -> dict[str, Any]:
        rows = list((await uow.session.execute(*queries.list_tours(query, day))).all())
        fetched.extend(rows[: query.limit])
        shown = [tourcard.shown(row, window) for row in fetched]
        departures = [str(next_departure.id) for next_departure in shown if next_departure is not None]
        page: dict[str, Any] = {
            "ids": [str(row[0].id) for row in fetched], "departures": departures,
            "next_cursor": queries.tour_cursor(rows[query.limit - 1], query.sort, window=window)
            if len(rows) > query.limit else None,
            "keys": [card_key(row[0].id, day) for row in fetched] + [seats_key(d) for d in departures]}
        if window:  # each card's next departure is replaced by its first one inside the window
            page["inside"] = [None if d is None else [str(d.id), d.starts_on.isoformat()] for d in shown]
        return page

    versions = [CATALOGUE_VERSION, SEATS_VERSION] if window else [CATALOGUE_VERSION]
    page, listed = await readcache.page(versions, "tours:page", f"{day}:{_digest(query)}", build)
    if fetched:  # built just now: every card and seat count is in hand
        cards = await _fill(fetched, day, {row.inside_id: Seats(row.inside_seats_left, row.inside_seats_version)
                                           for row in fetched if window and row.inside_id is not None})
        for card, row in zip(cards, fetched):
            card.next_departure = tourcard.shown(row, window)
        return [_with_urls(card) for card in cards], page["next_cursor"]
    ids = [uuid.UUID(tour_id) for tour_id in page["ids"]]
    inside = None
    if "inside" in page:
        inside = {tour_id: None if d is None else NextDeparture(id=d[0], starts_on=d[1], seats_left=0)
                  for tour_id, d in zip(ids, page["inside"])}
    tours = await read_tours(uow, ids, departures=page["departures"] if listed is not None else (), cached=listed,
                             inside=inside)
    return [tours[tour_id] for tour_id in ids if tour_id in tours], page["next_cursor"]


async def read_tour(uow: UnitOfWork, key: str) -> TourOut | None:
    """One tour by id or slug (published or not)."""
    return await _tour(uow, await _look_up(uow, key))


async def read_tour_json(uow: UnitOfWork, key: str) -> tuple[bytes, bool] | None:
    """`read_tour`'s tour as its JSON, and whether it is published.

    A warm tour without pictures is answered from its cached card, its live seat count put in: the card is
    `TourOut`'s own JSON, so validating it into a `TourOut` only to dump it again would give the same bytes,
    at three times the price. Pictures (URLs signed per read), a card of another shape and a miss take the
    model's way.
    """
    found = await _look_up(uow, key)
    if isinstance(found, _Card) and (shown := _answer(found.cached)) is not None:
        return shown
    tour = await _tour(uow, found)
    return None if tour is None else (tour.model_dump_json().encode(), tour.is_published)


class _Card(NamedTuple):
    """A tour's id and what the cache holds for it: its card, then the seat count the card names."""

    tour_id: uuid.UUID
    cached: list[bytes | None]


async def _look_up(uow: UnitOfWork, key: str) -> _Card | TourOut | None:
    """A tour by id or slug: its cached card (maybe a miss), or the tour itself when a slug had to be looked up.

    Slugs never change: `slug:<slug>` names the id for good.
    """
    tour_id = _tour_id(key)
    if tour_id is None:
        if not SLUG.fullmatch(key):
            return None
        known = await get_cache().get(slug_key(key))
        if known is None:
            rows = (await uow.session.execute(*queries.tour_by_slug(key, today()))).all()
            if not rows:
                return None
            await get_cache().set_many({slug_key(key): str(rows[0][0].id).encode()}, SLUG_TTL)
            return _with_urls((await _fill(rows, today()))[0])
        tour_id = uuid.UUID(known.decode())
    found = await get_cache().get_listing([], card_key(tour_id, today()), "")
    return _Card(tour_id, [found.page, *found.entries])


async def _tour(uow: UnitOfWork, found: _Card | TourOut | None) -> TourOut | None:
    """What `_look_up` found, as the model: a card (or its miss) read with what its round trip brought."""
    if not isinstance(found, _Card):
        return found
    return (await read_tours(uow, [found.tour_id], cached=found.cached, named=True)).get(found.tour_id)


def _tour_id(key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def _answer(cached: list[bytes | None]) -> tuple[bytes, bool] | None:
    """A warm card without pictures as the tour's JSON with its live seat count; None: the model's way."""
    card, *counts = cached
    if card is None or card == GONE:
        return None
    shown = pydantic_core.from_json(card)
    if list(shown) != _CARD_FIELDS or shown["images"] or shown["image_urls"]:
        return None
    del shown["keys"]
    if shown["next_departure"] is not None:
        if not counts or counts[0] is None:  # the count expired: `read_tours` reads it (and fills it)
            return None
        shown["next_departure"]["seats_left"] = readcache.count(counts[0])
    return pydantic_core.to_json(shown), shown["is_published"] is True


async def read_tours(
    uow: UnitOfWork, ids: Sequence[uuid.UUID], *, departures: Sequence[str] = (),
    cached: Sequence[bytes | None] | None = None, inside: dict[uuid.UUID, NextDeparture | None] | None = None,
    named: bool = False,
) -> dict[uuid.UUID, TourOut]:
    """Tours by id (published or not): cards and seats from the cache, the misses in one query each.

    `cached`: what a page's round trip already read, the cards of `ids` then the seat counts of `departures`;
    `named`: one card then the seat count it names instead. One tour alone is read so, in one round trip too.
    `inside`: the next departure each tour shows instead of its card's (a page's window).
    """
    cache, day = get_cache(), today()
    alone = named or (cached is None and len(ids) == 1)
    if cached is None and alone:  # the card lists the key of its next departure's seat count (`tourcard.stored`)
        found = await cache.get_listing([], card_key(ids[0], day), "")
        cached = [found.page, *found.entries]
    raws = cached if cached is not None else await cache.get_many([card_key(tour_id, day) for tour_id in ids])
    cards = dict(zip(ids, raws))
    tours = {tour_id: TourOut.model_validate_json(raw) for tour_id, raw in cards.items() if raw not in (None, GONE)}
    if alone:
        departures = [str(tour.next_departure.id) for tour in tours.values() if tour.next_departure is not None]
    known = {d: readcache.count(raw) for d, raw in zip(departures, raws[len(ids):]) if raw is not None}
    missing = [tour_id for tour_id in ids if cards.get(tour_id) is None]
    if missing:
        rows = (await uow.session.execute(*queries.tours_by_id(missing, day))).all()
        tours.update({card.id: card for card in await _fill(rows, day)})
    if inside is not None:
        for tour_id, tour in tours.items():
            tour.next_departure = inside.get(tour_id)
    upcoming = [str(tour.next_departure.id) for tour in tours.values() if tour.next_departure is not None]
    seats = known | await _seats(uow, [d for d in upcoming if d not in known])
    for tour in tours.values():
        if tour.next_departure is not None:
            tour.next_departure.seats_left = seats.get(str(tour.next_departure.id), 0)
        _with_urls(tour)
    return tours


async def list_departures(uow: UnitOfWork, tour_id: uuid.UUID, query: DeparturesQuery) -> tuple[
        list[DepartureOut], str | None]:
    """A tour's departures: when warm, the page and its seat counts in one cache round trip."""
    day = today()

    async def build() -> dict[str, Any]:
        tour = await uow.session.get(Tour, tour_id)
        departures = list(await uow.session.scalars(queries.list_departures(tour_id, query, day)))
        shown = departures[: query.limit]
        await readcache.fill(counts=counts({d.id: Seats(d.seats_left, d.seats_version) for d in shown}))
        next_cursor = queries.departure_cursor(departures[query.limit - 1]) if len(departures) > query.limit else None
        rows = [_departure_row(d, tour) for d in shown] if tour is not None else []
        return {"items": rows, "next_cursor": next_cursor, "keys": [seats_key(row["id"]) for row in rows]}

    page, listed = await readcache.page([departures_version_key(tour_id)], f"departures:page:{tour_id}",
                                        f"{day}:{_digest(query)}", build)
    known = {row["id"]: readcache.count(raw) for row, raw in zip(page["items"], listed or ()) if raw is not None}
    seats = known | await _seats(uow, [row["id"] for row in page["items"] if row["id"] not in known])
    items = [DepartureOut(**row, seats_left=seats.get(row["id"], 0)) for row in page["items"]]
    return items, page["next_cursor"]


async def list_admin_tours(uow: UnitOfWork, query: AdminToursQuery) -> tuple[list[TourOut], str | None]:
    """Every tour but the archived, drafts included, newest first: straight from the database (admins only)."""
    rows = (await uow.session.execute(*queries.admin_tours(query, today()))).all()
    next_cursor = queries.admin_cursor(rows[query.limit - 1]) if len(rows) > query.limit else None
    return [_with_urls(tourcard.card(row)) for row in rows[: query.limit]], next_cursor


def departure_out(departure: Departure, tour: Tour) -> DepartureOut:
    return DepartureOut(**_departure_row(departure, tour), seats_left=departure.seats_left)


async def _seats(uow: UnitOfWork, ids: list[str]) -> dict[str, int]:
    """Seats left of these departures: the cache's counts, the misses in one query (which fills them)."""
    if not ids:
        return {}
    raws = await get_cache().get_many([seats_key(departure_id) for departure_id in ids])
    seats = {departure_id: readcache.count(raw) for departure_id, raw in zip(ids, raws) if raw is not None}
    missing = [uuid.UUID(departure_id) for departure_id in ids if departure_id not in seats]
    if missing:
        rows = (await uow.session.execute(
            select(Departure.id, Departure.capacity - Departure.seats_taken, Departure.seats_version)
            .where(Departure.id.in_(missing))
        )).all()
        await readcache.fill(counts=counts({departure: Seats(left, version) for departure, left, version in rows}))
        seats.update({str(departure_id): int(left) for departure_id, left, _ in rows})
    return seats


async def _fill(rows: Sequence[Row[Any]], day: dt.date, more: dict[uuid.UUID, Seats] | None = None) -> list[TourOut]:
    """Cache the cards and seat counts of rows just read (and `more` counts); the cards, as stored (image keys)."""
    cards = [tourcard.card(row) for row in rows]
    await readcache.fill(cards={card_key(card.id, day): tourcard.stored(card) for card in cards}, ttl=CARD_TTL,
                         counts=counts({row.id: Seats(row.seats_left, row.seats_version) for row in rows
                                        if row.id is not None} | (more or {})))
    return cards


def _with_urls(tour: TourOut) -> TourOut:
    """Object keys where the URLs go, replaced by URLs made now: an image and its `image_urls` entry share one."""
    if tour.images:
        keys = [image.url for image in tour.images]
        keys += [key for image in tour.images for key in image.thumbnails.values()]
        url = dict(zip(keys, images.urls(keys)))
        for image in tour.images:
            image.url = url[image.url]
            image.thumbnails = {size: url[key] for size, key in image.thumbnails.items()}
        tour.image_urls = [image.url for image in tour.images]
    elif tour.image_urls:  # a card cached before `images` existed
        tour.image_urls = images.urls(tour.image_urls)
    return tour


def _departure_row(departure: Departure, tour: Tour) -> dict[str, Any]:
    return {
        "id": str(departure.id), "tour_id": str(departure.tour_id), "starts_on": departure.starts_on.isoformat(),
        "capacity": departure.capacity, "price_cents": departure.price_cents or tour.price_cents,
        "currency": tour.currency, "status": departure.status,
    }


def _digest(query: ToursQuery | DeparturesQuery) -> str:
    canonical = json.dumps(query.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
