"""The SQL behind tour and departure reads: one statement per page, keyset pagination, index-friendly."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Date, Row, Select, and_, func, literal, literal_column, select, true, tuple_
from sqlalchemy.sql.elements import ColumnElement

from shared.core.errors import BadRequestError
from shared.core.schemas import decode_cursor, encode_cursor
from shared.tours.images import TourImage
from shared.tours.models import SEARCH_CONFIG, Departure, Tour
from shared.tours.schemas import DeparturesQuery, ToursQuery

NO_DEPARTURE = dt.date(9999, 12, 31)  # tours without a next departure sort last by date
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
    statement = statement.where(Tour.is_published, *_filters(query, today))
    keys = _sort_keys(query.sort, upcoming)
    if query.cursor:
        statement = statement.where(_after(keys, _decode(query.cursor, keys)))
    order = [key.desc() if descending else key.asc() for key, descending in keys]
    return statement.order_by(*order).limit(query.limit + 1)


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


def _filters(query: ToursQuery, today: dt.date) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if query.q:
        tsquery = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), query.q)
        filters.append(Tour.search.bool_op("@@")(tsquery))
    if query.country:
        filters.append(func.lower(Tour.country) == query.country.lower())
    if query.city:
        filters.append(func.lower(Tour.city) == query.city.lower())
    if query.tag:
        filters.append(Tour.tags.contains([query.tag.lower()]))
    if query.min_price is not None:
        filters.append(Tour.price_cents >= query.min_price)
    if query.max_price is not None:
        filters.append(Tour.price_cents <= query.max_price)
    if query.has_window:
        window = and_(
            Departure.tour_id == Tour.id,
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


def _sort_keys(sort: str, upcoming: Any) -> list[tuple[ColumnElement[Any], bool]]:
    """The ORDER BY of each sort as (expression, descending), `id` last and in the same direction."""
    key: ColumnElement[Any]
    if sort in ("price", "-price"):
        key = Tour.price_cents  # type: ignore[assignment]
    elif sort in ("rating", "-rating"):
        key = func.coalesce(Tour.rating, 0)
    elif sort == "starts_on":
        key = func.coalesce(upcoming.c.starts_on, literal(NO_DEPARTURE, Date))
    else:
        key = _CREATED_AT
    descending = sort.startswith("-")
    return [(key, descending), (Tour.id, descending)]  # type: ignore[list-item]


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
