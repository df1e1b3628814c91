"""The SQL behind tour and departure reads: one statement per page, keyset pagination, index-friendly."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Date, Row, Select, Subquery, and_, func, literal, literal_column, select, true, tuple_, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from shared.core.errors import BadRequestError
from shared.core.schemas import decode_cursor, encode_cursor
from shared.tours.images import TourImage
from shared.tours.models import SEARCH_CONFIG, Departure, Tour
from shared.tours.schemas import DeparturesQuery, ToursQuery

NO_DEPARTURE = dt.date(9999, 12, 31)  # tours without a next departure sort last by date
WALK = 2000  # rows of a sort's index that a page with `q` or a window reads before its filters' indexes take over
_CREATED_AT: ColumnElement[Any] = Tour.__table__.c.created_at


def next_departure(today: dt.date) -> Any:
    """LATERAL: each tour's next open departure after today (its id, date, and seats left as of a version)."""
    return (
        select(Departure.id, Departure.starts_on, (Departure.capacity - Departure.seats_taken).label("seats_left"),
               Departure.seats_version)
        .where(Departure.tour_id == Tour.id, Departure.status == "open", Departure.starts_on > today)
        .order_by(Departure.starts_on)
        .limit(1)
        .lateral("next_departure")
    )


def tour_rows(today: dt.date) -> tuple[Select[Any], Any]:
    """Tour, its attached image keys and its next departure: everything a card needs, in one row."""
    upcoming = next_departure(today)
    image_keys = func.array(
        select(TourImage.key).where(TourImage.tour_id == Tour.id, TourImage.status == "attached")
        .order_by(TourImage.position, TourImage.created_at).scalar_subquery()
    ).label("image_keys")
    statement = select(Tour, image_keys, upcoming.c.id, upcoming.c.starts_on, upcoming.c.seats_left,
                       upcoming.c.seats_version)
    return statement.outerjoin(upcoming, true()), upcoming


def list_tours(query: ToursQuery, today: dt.date) -> Select[Any]:
    statement, upcoming = tour_rows(today)
    keys = _sort_keys(query.sort, upcoming)
    position = _decode(query.cursor, keys) if query.cursor else None
    if (query.q or query.has_window) and query.sort != "starts_on":
        picked = _picked(query, today, position)
        statement = statement.join(picked, picked.c.id == Tour.id)
    else:
        statement = statement.where(Tour.is_published, *_filters(query, today))
        if position is not None:
            statement = statement.where(_after(keys, position))
    return statement.order_by(*_order(keys)).limit(query.limit + 1)


def tours_by_id(ids: Sequence[uuid.UUID], today: dt.date) -> Select[Any]:
    statement, _ = tour_rows(today)
    return statement.where(Tour.id.in_(ids))


def tour_cursor(row: Row[Any], sort: str) -> str:
    tour, starts_on = row[0], row.starts_on
    value: Any = {
        "price": tour.price_cents, "-price": tour.price_cents,
        "rating": tour.rating or 0, "-rating": tour.rating or 0,
        "starts_on": (starts_on or NO_DEPARTURE).isoformat(), "-created_at": tour.created_at.isoformat(),
    }[sort]
    return encode_cursor([value, str(tour.id)])


def list_departures(tour_id: uuid.UUID, query: DeparturesQuery, today: dt.date) -> Select[Any]:
    statement = select(Departure).where(
        Departure.tour_id == tour_id, Departure.starts_on >= (query.date_from or today + dt.timedelta(days=1))
    )
    if query.date_to:
        statement = statement.where(Departure.starts_on <= query.date_to)
    if query.cursor:
        starts_on, departure_id = decode_cursor(query.cursor, 2)
        try:
            position = (dt.date.fromisoformat(starts_on), uuid.UUID(departure_id))
        except (TypeError, ValueError):
            raise BadRequestError("The cursor is not valid") from None
        statement = statement.where(tuple_(Departure.starts_on, Departure.id) > position)
    return statement.order_by(Departure.starts_on, Departure.id).limit(query.limit + 1)


def departure_cursor(departure: Departure) -> str:
    return encode_cursor([departure.starts_on.isoformat(), str(departure.id)])


def _picked(query: ToursQuery, today: dt.date, position: list[Any] | None) -> Subquery:
    """The ids of a page whose filters no index serves in the sort's order (`q`, a date/seats window).

    Two plans, one statement. The sort's index is walked for at most WALK rows, filtering as it goes:
    when the page is in there (a common word, a wide window) that is the cheapest plan, and nothing
    else runs. When it is not, the filters are selective: their own indexes (GIN for `q`, the open
    departures by date for a window) collect every match, which is then sorted. PostgreSQL cannot
    choose between the two by itself: a word missing from its statistics is estimated at 0.5% of the
    rows, and walking the whole index for a word that matches nothing took 136 ms at 100 000 tours.
    """
    size = query.limit + 1
    walk = select(Tour).where(Tour.is_published)
    if position is not None:
        walk = walk.where(_after(_sort_keys(query.sort, None), position))
    walk = walk.order_by(*_order(_sort_keys(query.sort, None))).limit(WALK)
    walked = aliased(Tour, walk.subquery("walked"))
    keys = _sort_keys(query.sort, None, walked)
    head = (
        select(walked.id).where(*_filters(query, today, walked)).order_by(*_order(keys)).limit(size)
        .cte("head").prefix_with("MATERIALIZED")
    )
    keys = _sort_keys(query.sort, None)
    matched = select(Tour.id, keys[0][0].label("key")).where(Tour.is_published, *_filters(query, today))
    if position is not None:
        matched = matched.where(_after(keys, position))
    every = matched.cte("matched").prefix_with("MATERIALIZED")  # computed only if the walk fell short
    found = select(func.count()).select_from(head).scalar_subquery()
    sorted_matches = (
        select(every.c.id).where(found < size)
        .order_by(*_order([(every.c.key, keys[0][1]), (every.c.id, keys[1][1])])).limit(size).subquery()
    )
    return union_all(select(head.c.id).where(found == size), select(sorted_matches.c.id)).subquery("picked")


def _filters(query: ToursQuery, today: dt.date, tour: Any = Tour) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if query.q:
        tsquery = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), query.q)
        filters.append(tour.search.bool_op("@@")(tsquery))
    if query.country:
        filters.append(func.lower(tour.country) == query.country.lower())
    if query.city:
        filters.append(func.lower(tour.city) == query.city.lower())
    if query.tag:
        filters.append(tour.tags.contains([query.tag.lower()]))
    if query.min_price is not None:
        filters.append(tour.price_cents >= query.min_price)
    if query.max_price is not None:
        filters.append(tour.price_cents <= query.max_price)
    if query.has_window:
        window = and_(
            Departure.tour_id == tour.id,
            Departure.status == "open",
            Departure.starts_on > today,
            Departure.capacity - Departure.seats_taken >= (query.seats or 1),
        )
        if query.date_from:
            window = and_(window, Departure.starts_on >= query.date_from)
        if query.date_to:
            window = and_(window, Departure.starts_on <= query.date_to)
        filters.append(select(Departure.id).where(window).exists())
    return filters


def _sort_keys(sort: str, upcoming: Any, tour: Any = Tour) -> list[tuple[ColumnElement[Any], bool]]:
    """The ORDER BY of each sort as (expression, descending), `id` last and in the same direction."""
    key: ColumnElement[Any]
    if sort in ("price", "-price"):
        key = tour.price_cents
    elif sort in ("rating", "-rating"):
        key = func.coalesce(tour.rating, 0)
    elif sort == "starts_on":
        key = func.coalesce(upcoming.c.starts_on, literal(NO_DEPARTURE, Date))
    else:
        key = _CREATED_AT if tour is Tour else tour.created_at
    descending = sort.startswith("-")
    return [(key, descending), (tour.id, descending)]


def _order(keys: list[tuple[ColumnElement[Any], bool]]) -> list[ColumnElement[Any]]:
    return [key.desc() if descending else key.asc() for key, descending in keys]


def _decode(cursor: str, keys: list[tuple[ColumnElement[Any], bool]]) -> list[Any]:
    value, tour_id = decode_cursor(cursor, 2)
    try:
        if keys[0][0] is _CREATED_AT:
            value = dt.datetime.fromisoformat(value)
        elif isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError("not a sort value")
        return [value, uuid.UUID(tour_id)]
    except (TypeError, ValueError):
        raise BadRequestError("The cursor is not valid") from None


def _after(keys: list[tuple[ColumnElement[Any], bool]], values: list[Any]) -> ColumnElement[bool]:
    # Both keys run in the same direction, so one row comparison walks the composite index.
    position = tuple_(*(key for key, _ in keys))
    return position < tuple_(*values) if keys[0][1] else position > tuple_(*values)
