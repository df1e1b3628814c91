"""The outbox relay and the webhook consumer: real PostgreSQL, a moto SQS server, a real HTTP receiver.

The relay takes rows in transactions of its own, so its tests commit for real, on events of their own,
and check what happened to those events whatever else the outbox holds. The consumer's tests run in
the rolled-back `uow`.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import select

from shared.core import aws as aws_clients, outbox
from shared.core.orm import utcnow
from shared.core.outbox import OutboxEvent
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.notifications import services
from shared.notifications.models import Delivery
from tests.support.queues import as_record, notifications_queue, receive_all
from tests.support.webhook import Webhook, expected_signature, webhook_server

SECRET = "webhook-test-secret-0123456789"
# The relay's tests commit for real, through DATABASE_URL: the migrated test database, whichever test runs first.
pytestmark = pytest.mark.usefixtures("database_url")


async def _record_events(count: int) -> list[uuid.UUID]:
    async with UnitOfWork() as uow:
        # Rows as a crashed dispatch leaves them (outbox.record would publish them at once: see below).
        recorded = [OutboxEvent(type="test.happened", aggregate_id=uuid.uuid4(), user_id=None, payload={"n": n})
                    for n in range(count)]
        uow.session.add_all(recorded)
        await uow.commit()
    return [event.id for event in recorded]


async def _published(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    async with UnitOfWork() as uow:
        return list(await uow.session.scalars(
            select(OutboxEvent.id).where(OutboxEvent.id.in_(ids), OutboxEvent.published_at.is_not(None))
        ))


async def _relay(batch_size: int = services.RELAY_BATCH) -> int:
    async with UnitOfWork() as uow:
        return await services.relay_outbox(uow, batch_size=batch_size)


def _sent_ids(messages: list[dict[str, object]]) -> Counter[str]:
    return Counter(json.loads(str(message["Body"]))["id"] for message in messages)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_relay_publishes_each_event_once_and_marks_it_published(aws: str) -> None:
    queue = notifications_queue()
    ids = await _record_events(25)

    assert await _relay() >= 25
    messages = receive_all(queue)

    sent = _sent_ids(messages)
    assert all(sent[str(event_id)] == 1 for event_id in ids)
    assert sorted(await _published(ids)) == sorted(ids)
    ours = next(m for m in messages if json.loads(m["Body"])["id"] == str(ids[0]))
    body = json.loads(ours["Body"])
    assert body["type"] == "test.happened" and body["payload"] == {"n": 0} and body["user_id"] is None
    assert body["created_at"].endswith("Z") and uuid.UUID(body["aggregate_id"])
    assert ours["MessageAttributes"]["type"]["StringValue"] == "test.happened"

    await _relay()  # a second run finds nothing of ours to send
    assert not set(_sent_ids(receive_all(queue))) & {str(event_id) for event_id in ids}


async def test_two_relays_at_once_send_each_event_once(aws: str) -> None:
    queue = notifications_queue()
    ids = await _record_events(60)

    first, second = await asyncio.gather(_relay(batch_size=7), _relay(batch_size=7))

    sent = _sent_ids(receive_all(queue))
    assert [event_id for event_id, times in sent.items() if times > 1] == []
    assert all(sent[str(event_id)] == 1 for event_id in ids)
    assert first + second == sum(sent.values())
    assert sorted(await _published(ids)) == sorted(ids)


async def test_with_sqs_down_nothing_is_marked_and_everything_goes_once_it_is_back(aws: str) -> None:
    queue = notifications_queue()
    ids = await _record_events(12)
    _sqs_at(f"http://127.0.0.1:{_closed_port()}")  # SQS is down

    with pytest.raises(Exception) as failure:
        await _relay()
    assert "connect" in type(failure.value).__name__.lower() or "connect" in str(failure.value).lower()
    assert await _published(ids) == []

    _sqs_at(aws)  # SQS is back
    await _relay_sends_each_once(queue, ids)


def _sqs_at(endpoint: str) -> None:
    """Point the code's AWS clients at `endpoint` (a closed port: SQS is down)."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    reset_settings()
    aws_clients.reset()


async def _relay_sends_each_once(queue: str, ids: list[uuid.UUID]) -> None:
    """The relay's run publishes each of these events once, and marks them published."""
    await _relay()
    sent = _sent_ids(receive_all(queue))
    assert all(sent[str(event_id)] == 1 for event_id in ids)
    assert sorted(await _published(ids)) == sorted(ids)


async def _commit_recorded_events(count: int) -> list[uuid.UUID]:
    """Events as services write them: recorded with a change, published right after its commit."""
    async with UnitOfWork() as uow:
        for n in range(count):
            outbox.record(uow, "test.happened", aggregate_id=uuid.uuid4(), user_id=None, payload={"n": n})
        ids = [event.id for event in uow.recorded_events]
        await uow.commit()
    return ids


async def test_recorded_events_are_published_once_right_after_their_commit(aws: str) -> None:
    queue = notifications_queue()
    ids = await _commit_recorded_events(12)  # two SendMessageBatch calls (SQS takes ten at a time)

    assert sorted(await _published(ids)) == sorted(ids)
    messages = receive_all(queue)
    sent = _sent_ids(messages)
    assert all(sent[str(event_id)] == 1 for event_id in ids)
    body = json.loads(next(m for m in messages if json.loads(m["Body"])["id"] == str(ids[3]))["Body"])
    assert body["type"] == "test.happened" and body["payload"] == {"n": 3} and body["created_at"].endswith("Z")

    await _relay()  # nothing of these is left for the safety net
    assert not set(_sent_ids(receive_all(queue))) & {str(event_id) for event_id in ids}


async def test_events_that_requests_commit_at_the_same_moment_are_published_together_each_once(
    aws: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = notifications_queue()
    groups: list[int] = []
    send, sqs_answers = services._send, asyncio.Event()

    async def send_held(queue_url: str, events: Sequence[OutboxEvent]) -> tuple[list[OutboxEvent], set[uuid.UUID]]:
        groups.append(len(events))
        await sqs_answers.wait()  # SQS is slow: the groups in flight hold on while the other requests commit
        return await send(queue_url, events)

    monkeypatch.setattr(services, "_send", send_held)
    requests = [asyncio.create_task(_commit_recorded_events(1)) for _ in range(25)]
    rounds, waiting = services.DISPATCH_ROUNDS, None
    for _ in range(1000):  # every request has committed: DISPATCH_ROUNDS groups at SQS, the others waiting
        publisher = services._publishers.get(asyncio.get_running_loop())
        waiting = publisher._waiting if publisher else None
        if waiting is not None and len(waiting) == 25 - services.DISPATCH_ROUNDS and len(groups) == rounds:
            break
        await asyncio.sleep(0.01)
    sqs_answers.set()
    ids = [event_id for recorded in await asyncio.gather(*requests) for event_id in recorded]

    others = 25 - rounds  # then all the others together: one statement, their SendMessageBatches of ten
    assert groups == [1] * rounds + [10] * (others // 10) + ([others % 10] if others % 10 else [])
    assert sorted(await _published(ids)) == sorted(ids)  # each request waited until its event was published
    sent = _sent_ids(receive_all(queue))
    assert all(sent[str(event_id)] == 1 for event_id in ids)
    await _relay()
    assert not set(_sent_ids(receive_all(queue))) & {str(event_id) for event_id in ids}


async def _to_publish(count: int, monkeypatch: pytest.MonkeyPatch
                      ) -> tuple[str, list[uuid.UUID], list[OutboxEvent]]:
    """A fresh queue and `count` committed, unpublished events (in the order recorded); publishing not paused."""
    monkeypatch.setattr(services, "_dispatch_paused_until", 0.0)
    queue = notifications_queue()
    ids = await _record_events(count)
    async with UnitOfWork() as uow:
        events = sorted(await uow.session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(ids))),
                        key=lambda event: ids.index(event.id))
    return queue, ids, events


async def test_events_handed_over_in_one_turn_of_the_loop_go_in_one_group(
    aws: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, ids, events = await _to_publish(12, monkeypatch)
    groups: list[int] = []
    send = services._send

    async def counted(queue_url: str, batch: Sequence[OutboxEvent]) -> tuple[list[OutboxEvent], set[uuid.UUID]]:
        groups.append(len(batch))
        return await send(queue_url, batch)

    monkeypatch.setattr(services, "_send", counted)
    published = await asyncio.gather(*(services.publish([event]) for event in events))  # twelve requests at once

    assert published == [1] * 12
    assert groups == [10, 2]  # one round, not one per request: its SendMessageBatches side by side
    assert sorted(await _published(ids)) == sorted(ids)
    assert sorted(_sent_ids(receive_all(queue))) == sorted(str(event_id) for event_id in ids)


async def test_publishing_never_waits_on_a_row_a_relay_holds_and_the_relay_marks_that_one(
    aws: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, ids, events = await _to_publish(2, monkeypatch)

    async with UnitOfWork() as relay:  # a relay has taken the first row and is sending it
        await relay.session.execute(select(OutboxEvent.id).where(OutboxEvent.id == ids[0]).with_for_update())
        marked = await asyncio.wait_for(services.publish_now(events), timeout=10)
        assert marked == {ids[1]}  # both sent; the held row left to the relay, not waited on
        await relay.rollback()
    assert await _published(ids) == [ids[1]]

    await _relay()  # sends the first one again (consumers deduplicate on the event id) and marks it
    sent = _sent_ids(receive_all(queue))
    assert (sent[str(ids[0])], sent[str(ids[1])]) == (2, 1)
    assert sorted(await _published(ids)) == sorted(ids)


async def test_with_sqs_down_the_commit_stands_and_the_relay_publishes_the_events_later(
    aws: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "_dispatch_paused_until", 0.0)
    queue = notifications_queue()
    _sqs_at(f"http://127.0.0.1:{_closed_port()}")  # SQS is down

    ids = await _commit_recorded_events(3)
    assert await _published(ids) == []  # committed, not published, not marked

    _sqs_at(aws)  # SQS is back
    await _relay_sends_each_once(queue, ids)


# -- the consumer ------------------------------------------------------------------------------------------


@pytest.fixture
def webhook(aws: str) -> Iterator[Webhook]:
    with webhook_server() as server:
        os.environ.update(WEBHOOK_URL=server.url, WEBHOOK_SECRET=SECRET, WEBHOOK_TIMEOUT_SECONDS="3")
        reset_settings()
        yield server


def _queue_an_event(queue: str, type: str = "booking.created") -> str:
    """One message as the relay writes it; its body."""
    event = OutboxEvent(id=uuid.uuid4(), type=type, aggregate_id=uuid.uuid4(), user_id=uuid.uuid4(),
                        payload={"status": "pending"}, created_at=utcnow())
    body = services.message_body(event)
    aws_clients.sqs().send_message(QueueUrl=queue, MessageBody=body)
    return body


async def test_the_webhook_gets_the_event_signed_over_timestamp_and_body(uow: UnitOfWork, webhook: Webhook) -> None:
    queue = notifications_queue()
    body = _queue_an_event(queue)
    event_id = json.loads(body)["id"]
    (message,) = receive_all(queue)

    await services.deliver(uow, as_record(queue, message))

    (request,) = webhook.received
    assert request.body == body.encode()
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-tourbook-event"] == "booking.created"
    assert request.headers["x-tourbook-event-id"] == event_id
    timestamp = request.headers["x-tourbook-timestamp"]
    assert abs(int(timestamp) - time.time()) < 10
    assert request.headers["x-tourbook-signature"] == expected_signature(SECRET, timestamp, request.body)
    assert request.headers["x-tourbook-signature"] != expected_signature("another secret", timestamp, request.body)
    assert await uow.session.get(Delivery, (uuid.UUID(event_id), "webhook")) is not None


async def test_outbox_events_are_delivered_once_per_event_even_when_the_webhook_fails_first(
    uow: UnitOfWork, webhook: Webhook,
) -> None:
    queue = notifications_queue(visibility_timeout=1)  # visible again a second later, unless the consumer backs off
    event_id = json.loads(_queue_an_event(queue))["id"]
    webhook.answer_next(500)
    (first,) = receive_all(queue)

    with pytest.raises(services.WebhookError, match="500"):
        await services.deliver(uow, as_record(queue, first))
    assert await uow.session.get(Delivery, (uuid.UUID(event_id), "webhook")) is None
    await asyncio.sleep(1.5)
    assert receive_all(queue) == []  # backed off: not visible for a minute or so

    aws_clients.sqs().change_message_visibility(QueueUrl=queue, ReceiptHandle=first["ReceiptHandle"],
                                                VisibilityTimeout=0)
    (second,) = receive_all(queue)  # the minute has passed
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    await services.deliver(uow, as_record(queue, second))
    delivery = await uow.session.get(Delivery, (uuid.UUID(event_id), "webhook"))
    assert delivery is not None and delivery.attempts == 2

    await services.deliver(uow, as_record(queue, second))  # SQS delivers it once more: not POSTed again
    attempts = [request.headers["x-tourbook-delivery-attempt"] for request in webhook.for_event(event_id)]
    assert attempts == ["1", "2"]


async def test_a_webhook_that_does_not_answer_in_time_is_a_failure(uow: UnitOfWork, aws: str) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        os.environ.update(WEBHOOK_URL=f"http://127.0.0.1:{silent.getsockname()[1]}/", WEBHOOK_TIMEOUT_SECONDS="0.3")
        reset_settings()
        queue = notifications_queue()
        _queue_an_event(queue)
        (message,) = receive_all(queue)
        started = time.monotonic()
        with pytest.raises(services.WebhookError, match="unreachable"):
            await services.deliver(uow, as_record(queue, message))
    assert time.monotonic() - started < 3


async def test_without_a_webhook_url_the_event_is_recorded_as_delivered(uow: UnitOfWork, aws: str) -> None:
    queue = notifications_queue()
    event_id = json.loads(_queue_an_event(queue))["id"]
    (message,) = receive_all(queue)

    await services.deliver(uow, as_record(queue, message))

    assert await uow.session.get(Delivery, (uuid.UUID(event_id), "webhook")) is not None


async def test_a_message_that_is_not_an_event_fails(uow: UnitOfWork, aws: str) -> None:
    queue = notifications_queue()
    aws_clients.sqs().send_message(QueueUrl=queue, MessageBody="not json")
    (message,) = receive_all(queue)

    with pytest.raises(ValueError, match="not an outbox event"):
        await services.deliver(uow, as_record(queue, message))
