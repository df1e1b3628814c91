"""The transactional outbox: events are rows written with the change they describe, published later."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, utcnow, uuid_pk
from shared.core.uow import UnitOfWork


class OutboxEvent(Base):
    """An event written in the transaction of the change it describes; a relay publishes it later."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_unpublished", "created_at", postgresql_where="published_at IS NULL"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = created_at()
    published_at: Mapped[dt.datetime | None]


def record(uow: UnitOfWork, type: str, *, aggregate_id: uuid.UUID, user_id: uuid.UUID | None,
           payload: dict[str, Any]) -> None:
    """Add an event to the current transaction: it exists exactly when the change does, and it is published
    as soon as the transaction commits (the relay publishes what that misses)."""
    event = OutboxEvent(id=uuid.uuid4(), type=type, aggregate_id=aggregate_id, user_id=user_id, payload=payload,
                        created_at=utcnow())
    uow.session.add(event)
    if not uow.recorded_events:
        uow.after_commit(lambda: _dispatch_recorded(uow))
    uow.recorded_events.append(event)


async def _dispatch_recorded(uow: UnitOfWork) -> None:
    events, uow.recorded_events = uow.recorded_events, []
    await dispatch(events)


async def dispatch(events: list[OutboxEvent]) -> None:
    """Publish committed events now (to the notifications queue; they are sent as written, so each must hold what
    its row holds), with those that other requests of this process commit at the same moment; what fails stays for
    the relay."""
    from shared.core.settings import get_settings

    if events and get_settings().notifications_queue_url:
        from shared.notifications import services  # only functions that write events: after their commit

        await services.publish(events)
