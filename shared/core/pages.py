"""Newest-first keyset pages: `(timestamp DESC, id DESC)`, a cursor naming the last row shown."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from shared.core.errors import BadRequestError
from shared.core.schemas import Page, decode_cursor, encode_cursor
from shared.core.uow import UnitOfWork

T = TypeVar("T")


async def newest_first(
    uow: UnitOfWork, statement: Select[Any], *, at: InstrumentedAttribute[dt.datetime],
    id: InstrumentedAttribute[uuid.UUID], limit: int, cursor: str | None, out: Callable[[Any], T],
) -> Page[T]:
    """One page of `statement`'s rows (ORM objects), newest first; `out` turns a row into an item."""
    if cursor:
        when, row_id = decode_cursor(cursor, 2)
        try:
            position = (dt.datetime.fromisoformat(when), uuid.UUID(row_id))
        except (TypeError, ValueError):
            raise BadRequestError("The cursor is not valid") from None
        statement = statement.where(tuple_(at, id) < position)
    rows = list(await uow.session.scalars(statement.order_by(at.desc(), id.desc()).limit(limit + 1)))
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor([getattr(last, at.key).isoformat(), str(getattr(last, id.key))]) if last else None
    return Page(items=[out(row) for row in rows[:limit]], next_cursor=next_cursor)
