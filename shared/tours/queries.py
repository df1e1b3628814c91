"""The SQL behind tour and departure reads: one statement per page, keyset pagination, index-friendly."""
from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from pydantic import AwareDatetime, Field

from sqlalchemy import (
    Date, Integer, Row, Select, String, Subquery, and_, bindparam, func, literal, literal_column, outerjoin, select,
    true, tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from shared.core.schemas import PG_INT_MAX, decode_cursor, encode_cursor
from shared.tours.images import TourImage
from shared.tours.models import SEARCH_CONFIG, Departure, Tour

if TYPE_CHECKING:  # the tour schemas import the card, which imports these queries
    from shared.tours.schemas import AdminToursQuery, DeparturesQuery, ToursQuery

NO_DEPARTURE = dt.date(9999, 12, 31)  # tours without a next departure sort last by date
DEPARTURES_ORDER = "departures:starts_on"
ADMIN_ORDER = "admin-tours:-created_at"
WALK = 2000  # rows of a sort's index that a page with `q` or a window reads before its filters' indexes take over


class Bound(NamedTuple):
    """A statement built once per shape of query, and the values it runs with."""

    statement: Select[Any]
    params: dict[str, Any]


def list_tours(query: ToursQuery, today: dt.date) -> Bound:
    """A page of published tours (limit + 1 rows: the extra one says there is a next page)."""
    shape = _Shape(
        q=query.q is not None, country=query.country is not None, city=query.city is not None,
        tag=query.tag is not None, min_price=query.min_price is not None, max_price=query.max_price is not None,
        window=query.has_window, date_from=query.date_from is not None, date_to=query.date_to is not None,
        sort=query.sort, after=query.cursor is not None,
    )
    params: dict[str, Any] = {
        "today": today, "size": query.limit + 1, "walk": WALK, "q": query.q,
        "tags": [query.tag.lower()] if query.tag else None,
        "country": query.country.lower() if query.country else None, "city": query.city.lower() if query.city else None,
        "min_price": query.min_price, "max_price": query.max_price, "seats": query.seats or 1,
        "date_from": query.date_from, "date_to": query.date_to,
    }
    if query.cursor:
        params["after_key"], params["after_id"] = _decode(query.cursor, query.sort)
    return Bound(_list_statement(shape), {name: value for name, value in params.items() if value is not None})


def tours_by_id(ids: Sequence[uuid.UUID], today: dt.date) -> Bound:
    return Bound(_by_id_statement(), {"today": today, "ids": list(ids)})


def tour_by_slug(slug: str, today: dt.date) -> Bound:
    return Bound(_by_slug_statement(), {"today": today, "slug": slug})


def admin_tours(query: AdminToursQuery, today: dt.date) -> Bound:
    """A page of every tour that is not archived, drafts included, newest first (limit + 1 rows)."""
    statement, _ = _tour_rows()
    statement = statement.where(Tour.archived_at.is_(None))
    if query.q is not None:
        words = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), query.q)
        statement = statement.where(Tour.search.bool_op("@@")(words) | Tour.title.icontains(query.q, autoescape=True)
                                    | (Tour.slug == query.q))
    if query.is_published is not None:
        statement = statement.where(Tour.is_published.is_(query.is_published))
    if query.cursor:
        position = decode_cursor(query.cursor, ADMIN_ORDER, AwareDatetime, uuid.UUID)
        statement = statement.where(tuple_(Tour.created_at, Tour.id) < position)
    statement = statement.order_by(Tour.created_at.desc(), Tour.id.desc()).limit(query.limit + 1)
    return Bound(statement, {"today": today})


def admin_cursor(row: Row[Any]) -> str:
    return encode_cursor(ADMIN_ORDER, [row[0].created_at, row[0].id])


def tour_cursor(row: Row[Any], sort: str, *, window: bool = False) -> str:
    tour, starts_on = row[0], row.inside_starts_on if window else row.starts_on
    value: Any = {
        "price": tour.price_cents, "-price": tour.price_cents,
        "rating": tour.rating or 0, "-rating": tour.rating or 0,
        "starts_on": starts_on or NO_DEPARTURE, "-created_at": tour.created_at,
    }[sort]
    return encode_cursor(f"tours:{sort}", [value, tour.id])


def list_departures(tour_id: uuid.UUID, query: DeparturesQuery, today: dt.date) -> Select[Any]:
    statement = select(Departure).where(
        Departure.tour_id == tour_id, Departure.starts_on >= (query.date_from or today + dt.timedelta(days=1))
    )
    if query.date_to:
        statement = statement.where(Departure.starts_on <= query.date_to)
    if query.cursor:
        position = decode_cursor(query.cursor, DEPARTURES_ORDER, dt.date, uuid.UUID)
        statement = statement.where(tuple_(Departure.starts_on, Departure.id) > position)
    return statement.order_by(Departure.starts_on, Departure.id).limit(query.limit + 1)


def departure_cursor(departure: Departure) -> str:
    return encode_cursor(DEPARTURES_ORDER, [departure.starts_on, departure.id])


class _Shape(NamedTuple):
    """Which parameters a tours query has (not their values): one statement is built per shape."""

    q: bool
    country: bool
    city: bool
    tag: bool
    min_price: bool
    max_price: bool
    window: bool
    date_from: bool
    date_to: bool
    sort: str
    after: bool


# What a cursor of each sort holds besides the tour's id: what its key column can hold, nothing else.
_PRICE = Annotated[int, Field(ge=0, le=PG_INT_MAX)]
_RATING = Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]
_SORT_VALUES: dict[str, Any] = {
    "price": _PRICE, "-price": _PRICE, "rating": _RATING, "-rating": _RATING, "starts_on": dt.date,
    "-created_at": AwareDatetime,
}

_TODAY = bindparam("today", type_=Date)
_SIZE = bindparam("size", type_=Integer)


def _tour_rows(shape: _Shape | None = None) -> tuple[Select[Any], Any]:
    """Tour, its attached images (keys, thumbnail keys) and its next departure: everything a card needs, in one row.

    With a date/seats window the row also holds the first departure *inside* it (`inside_*`), which is what
    the list shows and sorts by; the card keeps the plain next departure. The second value is the departure
    the list sorts by.
    """
    upcoming = _upcoming("next_departure")
    attached = func.jsonb_build_object("id", TourImage.id, "url", TourImage.key, "thumbnails", TourImage.thumbnails)
    images = (
        select(func.coalesce(func.jsonb_agg(aggregate_order_by(attached, TourImage.position, TourImage.created_at)),
                             literal_column("'[]'::jsonb")))
        .where(TourImage.tour_id == Tour.id, TourImage.status == "attached").scalar_subquery().label("images")
    )
    statement = select(Tour, images, upcoming.c.id, upcoming.c.starts_on, upcoming.c.seats_left,
                       upcoming.c.seats_version)
    if shape is None or not shape.window:
        return statement.outerjoin(upcoming, true()), upcoming
    inside = _upcoming("inside_window", shape)
    statement = statement.add_columns(
        inside.c.id.label("inside_id"), inside.c.starts_on.label("inside_starts_on"),
        inside.c.seats_left.label("inside_seats_left"), inside.c.seats_version.label("inside_seats_version"),
    )
    # One FROM (the tour and both laterals), so a page's ids can still be joined to it.
    return statement.select_from(outerjoin(Tour, upcoming, true()).outerjoin(inside, true())), inside


def _upcoming(name: str, shape: _Shape | None = None) -> Any:
    """A tour's first open future departure (inside the shape's window, when given), as a lateral subquery."""
    conditions = [Departure.tour_id == Tour.id, Departure.status == "open", Departure.starts_on > _TODAY]
    if shape is not None:
        conditions += _window(shape)
    return (
        select(Departure.id, Departure.starts_on, (Departure.capacity - Departure.seats_taken).label("seats_left"),
               Departure.seats_version)
        .where(*conditions)
        .order_by(Departure.starts_on)
        .limit(1)
        .lateral(name)
    )


def _window(shape: _Shape) -> list[ColumnElement[bool]]:
    conditions = [Departure.capacity - Departure.seats_taken >= bindparam("seats", type_=Integer)]
    if shape.date_from:
        conditions.append(Departure.starts_on >= bindparam("date_from", type_=Date))
    if shape.date_to:
        conditions.append(Departure.starts_on <= bindparam("date_to", type_=Date))
    return conditions


@functools.cache
def _by_id_statement() -> Select[Any]:
    statement, _ = _tour_rows()
    return statement.where(Tour.id.in_(bindparam("ids", expanding=True)), Tour.archived_at.is_(None))


@functools.cache
def _by_slug_statement() -> Select[Any]:
    statement, _ = _tour_rows()
    return statement.where(Tour.slug == bindparam("slug", type_=String), Tour.archived_at.is_(None))


@functools.lru_cache(maxsize=256)
def _list_statement(shape: _Shape) -> Select[Any]:
    statement, upcoming = _tour_rows(shape)
    keys = _sort_keys(shape.sort, upcoming)
    if (shape.q or shape.window) and shape.sort != "starts_on":
        picked = _picked(shape)
        statement = statement.join(picked, picked.c.id == Tour.id)
    else:
        statement = statement.where(Tour.is_published, *_filters(shape))
        if shape.after:
            statement = statement.where(_after(keys))
    return statement.order_by(*_order(keys)).limit(_SIZE)


def _picked(shape: _Shape) -> Subquery:
    """The ids of a page whose filters no index serves in the sort's order (`q`, a date/seats window).

    Two plans, one statement. The sort's index is walked for at most WALK rows, filtering as it goes:
    when the page is in there (a common word, a wide window) that is the cheapest plan, and nothing
    else runs. When it is not, the filters are selective: their own indexes (GIN for `q`, the open
    departures by date for a window) collect every match, which is then sorted. PostgreSQL cannot
    choose between the two by itself: a word missing from its statistics is estimated at 0.5% of the
    rows, and walking the whole index for a word that matches nothing took 136 ms at 100 000 tours.
    """
    keys = _sort_keys(shape.sort, None)
    walk = select(Tour).where(Tour.is_published)
    if shape.after:
        walk = walk.where(_after(keys))
    walk = walk.order_by(*_order(keys)).limit(bindparam("walk", type_=Integer))
    walked = aliased(Tour, walk.subquery("walked"))
    head = (
        select(walked.id).where(*_filters(shape, walked)).order_by(*_order(_sort_keys(shape.sort, None, walked)))
        .limit(_SIZE).cte("head").prefix_with("MATERIALIZED")
    )
    matched = select(Tour.id, keys[0][0].label("key")).where(Tour.is_published, *_filters(shape))
    if shape.after:
        matched = matched.where(_after(keys))
    every = matched.cte("matched").prefix_with("MATERIALIZED")  # computed only if the walk fell short
    found = select(func.count()).select_from(head).scalar_subquery()
    sorted_matches = (
        select(every.c.id).where(found < _SIZE)
        .order_by(*_order([(every.c.key, keys[0][1]), (every.c.id, keys[1][1])])).limit(_SIZE).subquery()
    )
    return union_all(select(head.c.id).where(found == _SIZE), select(sorted_matches.c.id)).subquery("picked")


def _filters(shape: _Shape, tour: Any = Tour) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if shape.q:
        words = bindparam("q", type_=String)
        tsquery = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), words)
        filters.append(tour.search.bool_op("@@")(tsquery))
    if shape.country:
        filters.append(func.lower(tour.country) == bindparam("country", type_=String))
    if shape.city:
        filters.append(func.lower(tour.city) == bindparam("city", type_=String))
    if shape.tag:
        filters.append(tour.tags.contains(bindparam("tags", type_=Tour.__table__.c.tags.type)))
    if shape.min_price:
        filters.append(tour.price_cents >= bindparam("min_price", type_=Integer))
    if shape.max_price:
        filters.append(tour.price_cents <= bindparam("max_price", type_=Integer))
    if shape.window:
        window = and_(Departure.tour_id == tour.id, Departure.status == "open", Departure.starts_on > _TODAY,
                      *_window(shape))
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
        key = tour.created_at
    descending = sort.startswith("-")
    return [(key, descending), (tour.id, descending)]


def _order(keys: list[tuple[ColumnElement[Any], bool]]) -> list[ColumnElement[Any]]:
    return [key.desc() if descending else key.asc() for key, descending in keys]


def _decode(cursor: str, sort: str) -> tuple[Any, ...]:
    return decode_cursor(cursor, f"tours:{sort}", _SORT_VALUES[sort], uuid.UUID)


def _after(keys: list[tuple[ColumnElement[Any], bool]]) -> ColumnElement[bool]:
    # Both keys run in the same direction, so one row comparison walks the composite index.
    position = tuple_(*(key for key, _ in keys))
    values = tuple_(bindparam("after_key", type_=keys[0][0].type), bindparam("after_id", type_=keys[1][0].type))
    return position < values if keys[0][1] else position > values
