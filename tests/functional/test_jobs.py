"""The job functions called as Lambda calls them: the sync handler, a scheduled or SQS event, a warm environment.

Each environment is a thread with its own event loop (and so its own engine), kept across invocations.
They commit for real, on bookings and events of their own.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, update

from functions.jobs import complete_bookings, deliver_notifications, expire_bookings, relay_outbox
from local_gateway import events
from local_gateway.runtime import release_clients
from shared.bookings import invariants
from shared.bookings.models import Booking
from shared.core import aws as aws_clients
from shared.core import metrics
from shared.core.outbox import OutboxEvent
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure
from tests.support.builders import make_booking, make_departure, make_tour, make_user
from tests.support.invoke import LambdaContext
from tests.support.queues import as_record, notifications_queue, receive_all
from tests.support.webhook import Webhook, webhook_server

T = TypeVar("T")


class Environment:
    """One warm execution environment: a thread whose event loop outlives each invocation."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name,
                                            initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._executor.submit(lambda: asyncio.get_event_loop().run_until_complete(coroutine)).result()

    def invoke(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any]) -> Any:
        return self._executor.submit(handler, event, LambdaContext()).result()

    def close(self) -> None:
        def end() -> None:
            loop = asyncio.get_event_loop()
            loop.run_until_complete(release_clients())
            loop.close()
            asyncio.set_event_loop(None)

        self._executor.submit(end).result()
        self._executor.shutdown()


@pytest.fixture
def environments() -> Iterator[Callable[[int], list[Environment]]]:
    started: list[Environment] = []

    def start(count: int) -> list[Environment]:
        fresh = [Environment(f"lambda-{len(started) + n}") for n in range(count)]
        started.extend(fresh)
        return fresh

    yield start
    for environment in started:
        environment.close()


def _runs(function: str, outcome: str) -> float:
    return metrics.REGISTRY.get_sample_value("tourbook_job_runs_total", {"function": function, "outcome": outcome}) or 0


async def _bookings(count: int, *, status: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """`count` one-seat bookings of a departure of their own: pending past their hold, or confirmed and over."""
    async with UnitOfWork() as uow:
        user = await make_user(uow)
        departure = await make_departure(uow, (await make_tour(uow)).id, capacity=count + 5)
        ids = [(await make_booking(uow, user, departure.id)).id for _ in range(count)]
        now = dt.datetime.now(dt.timezone.utc)
        values: dict[str, Any] = (
            {"expires_at": now - dt.timedelta(minutes=1)} if status == "pending" else
            {"status": "confirmed", "expires_at": None, "starts_on": now.date() - dt.timedelta(days=6),
             "ends_on": now.date() - dt.timedelta(days=2)}
        )
        await uow.session.execute(update(Booking).where(Booking.id.in_(ids)).values(**values))
        await uow.commit()
        return departure.id, ids


async def _outcome(departure_id: uuid.UUID, ids: list[uuid.UUID], event_type: str) -> dict[str, Any]:
    async with UnitOfWork() as uow:
        statuses = list(await uow.session.scalars(select(Booking.status).where(Booking.id.in_(ids))))
        counted = await uow.session.execute(
            select(OutboxEvent.aggregate_id, func.count()).where(OutboxEvent.aggregate_id.in_(ids),
                                                                 OutboxEvent.type == event_type)
            .group_by(OutboxEvent.aggregate_id)
        )
        events_per_booking = {aggregate_id: count for aggregate_id, count in counted}
        departure = await uow.session.get_one(Departure, departure_id)
        return {"statuses": set(statuses), "events": events_per_booking, "seats_taken": departure.seats_taken,
                "violations": await invariants.capacity_violations(uow, [departure_id])}


def test_the_expiry_job_run_twice_at_once_releases_each_seat_once(
    environments: Callable[[int], list[Environment]], capsys: pytest.CaptureFixture[str],
) -> None:
    first, second = environments(2)
    departure_id, ids = first.run(_bookings(12, status="pending"))
    event = events.scheduled_event("local-ExpireBookingsFunctionEveryMinute")
    runs_before = _runs("expire_bookings", "ok")

    with ThreadPoolExecutor(2) as callers:
        results = list(callers.map(lambda environment: environment.invoke(expire_bookings.handler, event),
                                   (first, second)))

    assert sum(result["processed"] for result in results) >= 12
    outcome = first.run(_outcome(departure_id, ids, "booking.expired"))
    assert outcome["statuses"] == {"expired"} and outcome["seats_taken"] == 0 and outcome["violations"] == []
    assert outcome["events"] == {booking_id: 1 for booking_id in ids}  # each expiry announced once
    assert _runs("expire_bookings", "ok") == runs_before + 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"msg":"job"' in line]
    assert {line["function"] for line in lines} == {"expire_bookings"} and len(lines) == 2
    assert all(line["trigger"] == "schedule" and line["outcome"] == "ok" for line in lines)


def test_the_completion_job_completes_trips_that_have_ended(environments: Callable[[int], list[Environment]]) -> None:
    (environment,) = environments(1)
    departure_id, ids = environment.run(_bookings(3, status="confirmed"))

    result = environment.invoke(complete_bookings.handler, events.scheduled_event("local-CompleteBookingsHourly"))

    assert result["function"] == "complete_bookings" and result["processed"] >= 3
    outcome = environment.run(_outcome(departure_id, ids, "booking.completed"))
    assert outcome["statuses"] == {"completed"} and outcome["violations"] == []
    assert outcome["events"] == {booking_id: 1 for booking_id in ids}


@pytest.fixture
def webhook(aws: str) -> Iterator[Webhook]:
    with webhook_server() as server:
        os.environ.update(WEBHOOK_URL=server.url, WEBHOOK_SECRET="functional-test-secret-0123456789")
        reset_settings()
        yield server


async def _a_booking() -> uuid.UUID:
    async with UnitOfWork() as uow:
        # Events other tests left unpublished (hundreds after the e2e and fuzz tiers) would fill the queue: a
        # batch of only repeats ends receive_all before it meets this booking's message.
        await uow.session.execute(update(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                                  .values(published_at=func.now()))
        await uow.commit()
        departure = await make_departure(uow, (await make_tour(uow)).id)
        return (await make_booking(uow, await make_user(uow), departure.id, seats=2)).id


def test_a_booking_reaches_the_webhook_once_though_it_fails_first(
    environments: Callable[[int], list[Environment]], webhook: Webhook,
) -> None:
    (environment,) = environments(1)
    queue = notifications_queue()
    aws_clients.sqs().purge_queue(QueueUrl=queue)  # messages other tests (e.g. sample invocations) left there
    booking_id = environment.run(_a_booking())

    # Published at once after the commit, or by the relay (the safety net) if that missed: exactly one message.
    environment.invoke(relay_outbox.handler, events.scheduled_event("local-RelayOutboxFunctionEveryMinute"))
    (message,) = [m for m in receive_all(queue) if json.loads(m["Body"])["aggregate_id"] == str(booking_id)]
    aws_clients.sqs().send_message(QueueUrl=queue, MessageBody="not an event")
    # The relay also published what other tests left unpublished (their account e-mails, say): not these.
    (poison,) = [m for m in receive_all(queue) if m["Body"] == "not an event"]
    partial_before = _runs("deliver_notifications", "error")

    webhook.answer_next(500)
    result = environment.invoke(deliver_notifications.handler,
                                events.sqs_event([as_record(queue, message), as_record(queue, poison)]))
    assert result == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]},
                                            {"itemIdentifier": poison["MessageId"]}]}
    assert _runs("deliver_notifications", "error") == partial_before + 1

    for failed in (message, poison):  # their retry is due (the back-off has passed)
        aws_clients.sqs().change_message_visibility(QueueUrl=queue, ReceiptHandle=failed["ReceiptHandle"],
                                                    VisibilityTimeout=0)
    retried = {m["MessageId"]: m for m in receive_all(queue)}
    batch = events.sqs_event([as_record(queue, retried[message["MessageId"]]),
                              as_record(queue, retried[poison["MessageId"]])])
    result = environment.invoke(deliver_notifications.handler, batch)
    assert result == {"batchItemFailures": [{"itemIdentifier": poison["MessageId"]}]}  # only the poison again

    again = environment.invoke(deliver_notifications.handler, batch)  # SQS delivers the batch once more
    assert again == result
    event_id = json.loads(message["Body"])["id"]
    posted = webhook.for_event(event_id)
    assert [request.headers["x-tourbook-delivery-attempt"] for request in posted] == ["1", "2"]
    payload = json.loads(posted[-1].body)
    assert payload["type"] == "booking.created" and payload["payload"]["id"] == str(booking_id)
    assert payload["payload"]["seats"] == 2
