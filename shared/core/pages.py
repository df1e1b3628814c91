"""Newest-first keyset pages: `(timestamp DESC, id DESC)`, a cursor naming the last row shown."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import AwareDatetime
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from shared.core.schemas import Page, decode_cursor, encode_cursor
from shared.core.uow import UnitOfWork

T = TypeVar("T")


async def newest_first(
    uow: UnitOfWork, statement: Select[Any], *, at: InstrumentedAttribute[dt.datetime],
    id: InstrumentedAttribute[uuid.UUID], limit: int, cursor: str | None, out: Callable[[Any], T],
) -> Page[T]:
    """One page of `statement`'s rows (ORM objects), newest first; `out` turns a row into an item."""
    order = f"{at.class_.__tablename__}:-{at.key}"  # a cursor of one table's rows in this order fits no other list
    if cursor:
        statement = statement.where(tuple_(at, id) < decode_cursor(cursor, order, AwareDatetime, uuid.UUID))
    rows = list(await uow.session.scalars(statement.order_by(at.desc(), id.desc()).limit(limit + 1)))
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(order, [getattr(last, at.key), getattr(last, id.key)]) if last else None
    return Page(items=[out(row) for row in rows[:limit]], next_cursor=next_cursor)
