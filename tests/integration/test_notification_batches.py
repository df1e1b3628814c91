"""The notifications consumer a batch at a time, as the event source mapping calls it: bursts, copies of a message in
one batch and in two batches handled at once, and batches SQS delivers again. These commit for real, on users and
events of their own, into a mailbox of their own."""
from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shared.core import db
from shared.core.orm import utcnow
from shared.core.outbox import OutboxEvent
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.mail import captured
from shared.notifications import services
from shared.notifications.models import Delivery
from tests.support.builders import make_user

LINK = re.compile(r"/bookings/([0-9a-f-]{36})")


def _record(event: OutboxEvent, receive_count: int = 1) -> dict[str, Any]:
    return {"messageId": str(uuid.uuid4()), "receiptHandle": "handle", "body": services.message_body(event),
            "attributes": {"ApproximateReceiveCount": str(receive_count)}, "eventSourceARN": ""}


def _booking_created(user_id: uuid.UUID) -> OutboxEvent:
    booking_id = uuid.uuid4()
    payload = {"id": str(booking_id), "tour_id": str(uuid.uuid4()), "starts_on": "2027-03-01", "seats": 1,
               "total_cents": 100_000, "currency": "EUR", "status": "pending", "expires_at": "2027-01-01T10:00:00Z"}
    return OutboxEvent(id=uuid.uuid4(), type="booking.created", aggregate_id=booking_id, user_id=user_id,
                       payload=payload, created_at=utcnow())


async def _batch(records: list[dict[str, Any]]) -> dict[str, BaseException]:
    async with UnitOfWork() as uow:
        return await services.deliver_batch(uow, records)


async def test_a_burst_is_mailed_once_per_event_however_sqs_batches_and_repeats_it(
        database_url: str, tmp_path: Path) -> None:
    os.environ.update(MAIL_BACKEND="local", MAIL_LOCAL_DIR=str(tmp_path / "mail"), DB_POOL_SIZE="8")
    reset_settings()

    async def burst() -> tuple[list[dict[str, BaseException]], Counter[str], set[str], int]:
        try:
            async with UnitOfWork() as uow:
                users = [(await make_user(uow)).id for _ in range(6)]
            events = [_booking_created(users[number % len(users)]) for number in range(36)]
            records = [_record(event) for event in events]
            # Three consumers at once: the second batch shares five messages with the first (SQS delivered them
            # twice, to both), the third holds one message twice.
            at_once = await asyncio.gather(_batch(records[0:10]), _batch(records[5:15]),
                                           _batch(records[15:24] + [records[15]]))
            # Then the rest, and the whole burst once more (visible again before the deletes reached SQS).
            again = [await _batch(records[start:start + 10]) for start in (24, 0, 10, 20, 30)]
            async with UnitOfWork() as uow:
                rows = await uow.session.scalar(select(func.count()).select_from(Delivery).where(
                    Delivery.event_id.in_([event.id for event in events])))
            mailed = Counter(match.group(1) for mail in captured.messages(limit=1000)
                             if (match := LINK.search(mail["text"])))
            return [*at_once, *again], mailed, {str(event.aggregate_id) for event in events}, rows or 0
        finally:
            await db.dispose_all()

    failures, mailed, bookings, rows = await asyncio.to_thread(asyncio.run, burst())

    assert failures == [{}] * 8
    assert set(mailed) == bookings and set(mailed.values()) == {1}  # every booking's mail, each once
    assert rows == 36 * 3  # delivered on the webhook, by e-mail and (no chat linked: nothing sent) Telegram
