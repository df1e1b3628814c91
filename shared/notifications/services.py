"""Notifications: the outbox relayed to SQS, and each queued event POSTed to a webhook once.

The relay publishes what the outbox holds to the notifications queue and marks it published in
the same transaction; a queue consumer POSTs each event to `WEBHOOK_URL` and records the delivery,
so a message SQS delivers twice is POSTed once. Nothing is lost while SQS or the webhook is down:
events stay unpublished, messages stay queued (then dead-lettered after the queue's
`maxReceiveCount`).

Webhook requests: `POST WEBHOOK_URL` with the event as the JSON body,
`{"id", "type", "aggregate_id", "user_id", "payload", "created_at"}`, and these headers:

    Content-Type: application/json
    X-Tourbook-Event: booking.created
    X-Tourbook-Event-Id: <the event id, the same on every retry: deduplicate on it>
    X-Tourbook-Timestamp: <Unix seconds when this attempt was signed>
    X-Tourbook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with WEBHOOK_SECRET>
    X-Tourbook-Delivery-Attempt: <1 for the first attempt, then 2, 3...>

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes, compares it
in constant time, and refuses timestamps more than a few minutes away from its clock (a replay).
Any 2xx is a delivery; anything else, a redirect or no answer within `WEBHOOK_TIMEOUT_SECONDS` is
retried later, with exponential back-off.
"""
from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Executable, any_, bindparam, delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY, insert

from shared.core import aws, jobs, metrics, outages, sqs
from shared.core.orm import utcnow
from shared.core.outbox import OutboxEvent
from shared.core.settings import Settings, get_settings
from shared.core.uow import UnitOfWork
from shared.notifications import preferences
from shared.notifications.models import Delivery

if TYPE_CHECKING:
    import urllib.request

    from shared.mail.compose import Mail
    from shared.telegram.services import Chat

logger = logging.getLogger("tourbook.notifications")

RELAY_BATCH = 100  # rows locked per transaction; SQS takes them 10 per request
RELAY_BUDGET_SECONDS = 20.0  # then the run stops; the next one (a minute later) goes on
SQS_BATCH = 10
DISPATCH_GROUP = 100  # events published together right after their commits: one statement, SendMessageBatches of ten
# Groups being published at once by one event loop (what commits meanwhile waits for the next). Four were tried
# under the bookings bench: groups of ~5 instead of ~15, a third more CPU per booking, no more bookings a second.
DISPATCH_ROUNDS = 1
BACKOFF_BASE_SECONDS = 60  # a failed delivery is received again after 1, 2, 4, 8... minutes
MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's limit
USER_AGENT = "tourbook-webhooks/1"
WEBHOOK, EMAIL, TELEGRAM = "webhook", "email", "telegram"  # the channels (delivery.channel)
MAIL_CONCURRENCY = 4  # e-mails of a batch in flight at once (SES's sending rate is a handful a second at first)
DISPATCH_PAUSE_SECONDS = 10.0  # after a failed dispatch, leave the next events to the relay for this long
_dispatch_paused_until = 0.0


class WebhookError(jobs.RetryLater):
    """The webhook did not take the event; the message is received again later."""


class MailError(jobs.RetryLater):
    """The mail transport did not take the message; the event is received again later."""


async def relay_outbox(uow: UnitOfWork, *, batch_size: int = RELAY_BATCH,
                       budget_seconds: float = RELAY_BUDGET_SECONDS) -> int:
    """Job: publish unpublished outbox events to the notifications queue, oldest first; how many were published."""
    queue_url = get_settings().notifications_queue_url
    if not queue_url:
        logger.warning("NOTIFICATIONS_QUEUE_URL is not set: the outbox is not relayed")
        return 0
    deadline = time.monotonic() + budget_seconds
    published = 0
    refused: set[uuid.UUID] = set()  # SQS refused them in this run: the next run tries them again
    while time.monotonic() < deadline:
        # SKIP LOCKED: a relay running at the same time takes other rows, never the same ones.
        statement = (
            select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.created_at, OutboxEvent.id).limit(batch_size).with_for_update(skip_locked=True)
        )
        if refused:
            statement = statement.where(OutboxEvent.id.not_in(refused))
        batch = list(await uow.session.scalars(statement))
        if not batch:
            break
        sent: list[OutboxEvent] = []
        try:
            for start in range(0, len(batch), SQS_BATCH):
                taken, failed = await _send(queue_url, batch[start:start + SQS_BATCH])
                sent += taken
                refused |= failed
        except Exception:
            if sent:  # what SQS took before the failure must not be sent again
                await _mark_published(uow, sent)
            raise
        await _mark_published(uow, sent)  # the commit also releases the rows SQS refused
        published += len(sent)
    return published


async def publish(events: Sequence[OutboxEvent]) -> int:
    """Right after their commit: publish these events with those that other requests of this event loop commit at
    the same moment, and wait until they are (or are left to the relay); how many of them were published.

    One publisher per event loop (`_GroupPublisher`): a round starts at the loop's next turn, with the events of
    every request that hands its own over in this turn, and while it publishes `DISPATCH_ROUNDS` groups, the events
    committed meanwhile wait and go together next, up to `DISPATCH_GROUP`: their SendMessageBatches of ten go side
    by side, then one statement marks what SQS took. A process serving many requests at once (the local gateway)
    pays one publication for many bookings; a Lambda environment, one request at a time, publishes groups of one, as
    before. Never fails the request (see `publish_now`).
    """
    if not events or not get_settings().notifications_queue_url or time.monotonic() < _dispatch_paused_until:
        return 0
    loop = asyncio.get_running_loop()
    publisher = _publishers.get(loop)
    if publisher is None:
        publisher = _publishers[loop] = _GroupPublisher()
    return await publisher.publish(events)


class _Waiting(NamedTuple):
    events: Sequence[OutboxEvent]
    published: asyncio.Future[int]
    context: contextvars.Context  # the request's: its function's metrics and logs (and a test's bound connection)


class _GroupPublisher:
    """Up to `DISPATCH_ROUNDS` groups are published at once; the events of the requests that commit meanwhile wait
    and go together in the next group."""

    def __init__(self) -> None:
        self._waiting: collections.deque[_Waiting] = collections.deque()
        self._rounds: set[asyncio.Task[set[uuid.UUID]]] = set()
        self._starting = False

    async def publish(self, events: Sequence[OutboxEvent]) -> int:
        loop = asyncio.get_running_loop()
        waiting = _Waiting(events, loop.create_future(), contextvars.copy_context())
        self._waiting.append(waiting)
        if not self._starting:  # a round starts at the loop's next turn, with every event committed in this one
            self._starting = True
            loop.call_soon(self._start_soon)
        # A request cancelled meanwhile (its client gone) stops waiting; its events are published all the same.
        return await waiting.published

    def _start_soon(self) -> None:
        self._starting = False
        self._start()

    def _start(self) -> None:
        while self._waiting and len(self._rounds) < DISPATCH_ROUNDS:
            group = [self._waiting.popleft()]
            count = len(group[0].events)
            while self._waiting and count + len(self._waiting[0].events) <= DISPATCH_GROUP:
                group.append(self._waiting.popleft())
                count += len(group[-1].events)
            events = [event for waiting in group for event in waiting.events]
            round_ = asyncio.get_running_loop().create_task(publish_now(events), context=group[0].context)
            self._rounds.add(round_)
            round_.add_done_callback(functools.partial(self._finished, group))

    def _finished(self, group: list[_Waiting], round_: asyncio.Task[set[uuid.UUID]]) -> None:
        self._rounds.discard(round_)
        # A round stopped (the loop closing) published nothing anyone knows of: the relay sends those events.
        published = set() if round_.cancelled() or round_.exception() is not None else round_.result()
        for waiting in group:
            if not waiting.published.done():
                waiting.published.set_result(sum(event.id in published for event in waiting.events))
        self._start()


_publishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _GroupPublisher] = weakref.WeakKeyDictionary()


async def publish_now(events: Sequence[OutboxEvent]) -> set[uuid.UUID]:
    """Send these committed events to the queue, then mark those SQS took published; the ids of those marked.

    The events are sent as they were written (the caller has them: no read first), in SendMessageBatches of ten
    side by side, then one statement (a transaction of its own) marks what SQS took. Never fails the caller: with
    SQS unreachable the events stay unpublished and the relay sends them on its next run; with PostgreSQL
    unreachable they stay unmarked and the relay sends them again (consumers deduplicate on the event id); and for
    `DISPATCH_PAUSE_SECONDS` after a failure nothing is tried here, so an outage costs the requests no time.
    The mark skips rows that a relay holds (it is sending them too, and marks them itself): it never waits on one.
    """
    global _dispatch_paused_until
    queue_url = get_settings().notifications_queue_url
    if not queue_url or time.monotonic() < _dispatch_paused_until:
        return set()
    sent: list[OutboxEvent] = []
    failure: BaseException | None = None
    answers = await asyncio.gather(*(_send(queue_url, events[start:start + SQS_BATCH])
                                     for start in range(0, len(events), SQS_BATCH)), return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException):
            failure = answer
        else:
            sent += answer[0]
    marked: set[uuid.UUID] = set()
    if sent:  # what SQS took is marked whatever happened to the others
        try:
            marked = await _mark_sent([event.id for event in sent])
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        _dispatch_paused_until = time.monotonic() + DISPATCH_PAUSE_SECONDS
        logger.warning("events not dispatched, the relay will publish them: %s", failure.__class__.__name__,
                       extra={"events": len(events) - len(marked)})
    return marked


async def _mark_sent(event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Mark these events published (those still unpublished and not held by a relay): one statement that commits
    as it runs; the ids it marked."""
    async with UnitOfWork(reads_alone=True) as uow:
        connection = await uow.session.connection()
        rows = await connection.execute(_mark_statement(), {"ids": event_ids, "now": utcnow()})
        marked = {row.id for row in rows}
        await uow.commit()
    return marked


@functools.cache
def _mark_statement() -> Executable:
    """Built once per environment (every booking runs it), bound per call."""
    unpublished = (  # `= ANY(array)`: one statement text (and prepared statement) whatever the group's size
        select(OutboxEvent.id)
        .where(OutboxEvent.id == any_(bindparam("ids", type_=ARRAY(OutboxEvent.id.type))),
               OutboxEvent.published_at.is_(None))
        .with_for_update(skip_locked=True)
    )
    return (
        update(OutboxEvent).where(OutboxEvent.id.in_(unpublished)).values(published_at=bindparam("now"))
        .returning(OutboxEvent.id).execution_options(synchronize_session=False)
    )


async def _mark_published(uow: UnitOfWork, events: list[OutboxEvent]) -> None:
    now = utcnow()
    for event in events:
        event.published_at = now
    await uow.commit()


def message_body(event: OutboxEvent) -> str:
    return json.dumps({
        "id": str(event.id), "type": event.type, "aggregate_id": str(event.aggregate_id),
        "user_id": str(event.user_id) if event.user_id else None, "payload": event.payload,
        "created_at": event.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }, separators=(",", ":"))


async def _send(queue_url: str, events: Sequence[OutboxEvent]) -> tuple[list[OutboxEvent], set[uuid.UUID]]:
    """One SendMessageBatch: the events SQS took, and the ids of those it refused."""
    entries: list[dict[str, Any]] = [
        {"Id": str(event.id), "MessageBody": message_body(event),
         "MessageAttributes": {"type": {"DataType": "String", "StringValue": event.type}}}
        for event in events
    ]
    try:
        response = await sqs.sender().send_message_batch(queue_url, entries)
    except Exception:
        metrics.count_outgoing("sqs", "error")
        raise
    taken = {entry["Id"] for entry in response.get("Successful", [])}
    failed = response.get("Failed", [])
    metrics.count_outgoing("sqs", "partial" if failed else "ok")
    for entry in failed:
        logger.warning("SQS refused an outbox event", extra={
            "event_id": entry["Id"], "code": entry.get("Code"), "sender_fault": entry.get("SenderFault"),
        })
    return [event for event in events if str(event.id) in taken], {
        event.id for event in events if str(event.id) not in taken
    }


@dataclass(frozen=True)
class QueuedEvent:
    id: uuid.UUID
    type: str
    user_id: uuid.UUID | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def parse_message(body: bytes) -> QueuedEvent:
    try:
        data = json.loads(body)
        user_id = uuid.UUID(str(data["user_id"])) if data.get("user_id") else None
        payload = data.get("payload") or {}
        if not isinstance(payload, dict):
            raise TypeError("payload")
        return QueuedEvent(id=uuid.UUID(str(data["id"])), type=str(data["type"]), user_id=user_id, payload=payload)
    except (ValueError, KeyError, TypeError):
        raise ValueError("The message is not an outbox event") from None


def channels(event: QueuedEvent) -> tuple[str, ...]:
    """Where an event goes: the account e-mails (their tokens sealed in them) only by e-mail, the rest to the
    webhook and, when there is a template or a bot text for it, to its user by e-mail and in Telegram."""
    if event.type.startswith("account."):
        return (EMAIL,)
    from shared.mail import messages as mail  # the consumer is the one function that sends mail
    from shared.telegram import messages as telegram

    return (WEBHOOK, *((EMAIL,) if mail.sends_mail(event.type) else ()),
            *((TELEGRAM,) if telegram.sends(event.type) else ()))


Key = tuple[uuid.UUID, str]  # (event id, channel): what a delivery row records


@dataclass(frozen=True)
class _Received:
    """One record of a batch: the queued event, and how often SQS has delivered it."""

    record: dict[str, Any]
    body: bytes
    event: QueuedEvent
    attempt: int


async def deliver(uow: UnitOfWork, record: dict[str, Any]) -> None:
    """Consumer: deliver one queued event (`deliver_batch` of one); raises why it failed."""
    failed = await deliver_batch(uow, [record])
    if failed:
        raise next(iter(failed.values()))


async def deliver_batch(uow: UnitOfWork, records: list[dict[str, Any]]) -> dict[str, BaseException]:
    """Consumer: deliver a batch of queued events on each of their channels, once per event and channel however
    often SQS delivers them; returns the records that failed ({message id: why}), each backed off.

    One transaction for the batch: a delivery row per event and channel is claimed first, in one statement (a copy
    of a message handled elsewhere at the same time waits on the row, then finds it); the users, their settings,
    tours and chats are read in a query each; the messages go out (e-mails `MAIL_CONCURRENCY` at a time); the
    claims of what failed are deleted, and it commits once, so a delivery row stands for a message sent and a
    retry skips the channels that took it. A channel the user turned off is recorded as delivered, nothing sent.
    """
    failed: dict[str, BaseException] = {}
    copies: dict[uuid.UUID, list[_Received]] = {}  # SQS may put one message in a batch twice: they share a fate
    for record in records:
        body = str(record.get("body", "")).encode()
        try:
            event = parse_message(body)
        except ValueError as exc:
            failed[str(record.get("messageId", ""))] = exc
            continue
        attempt = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
        copies.setdefault(event.id, []).append(_Received(record, body, event, attempt))
    if not copies:
        return failed
    first = {event_id: received[0] for event_id, received in copies.items()}
    # Sorted: two batches claiming some of the same rows lock them in the same order, so they cannot deadlock.
    wanted = sorted((event_id, channel) for event_id, received in first.items() for channel in channels(received.event))
    claimed = await _claim(uow, [(key, first[key[0]].attempt) for key in wanted])
    for event_id, channel in wanted:
        if (event_id, channel) not in claimed:
            logger.info("event already delivered", extra={"event_id": str(event_id),
                                                          "event_type": first[event_id].event.type, "channel": channel})
    errors = await _fan_out(uow, [(first[event_id], channel) for event_id, channel in wanted
                                  if (event_id, channel) in claimed])
    if errors:
        await uow.session.execute(delete(Delivery).where(tuple_(Delivery.event_id, Delivery.channel).in_(errors)))
    await uow.commit()
    for (event_id, _), error in errors.items():
        for received in copies[event_id]:
            message_id = str(received.record.get("messageId", ""))
            if message_id not in failed:
                failed[message_id] = error
                await _back_off(received.record, received.attempt)
    return failed


async def _claim(uow: UnitOfWork, keys: list[tuple[Key, int]]) -> set[Key]:
    """Insert the delivery rows that are not there yet; the keys this transaction now holds."""
    if not keys:
        return set()
    rows = await uow.session.execute(
        insert(Delivery).values([{"event_id": event_id, "channel": channel, "attempts": attempt}
                                 for (event_id, channel), attempt in keys])
        .on_conflict_do_nothing().returning(Delivery.event_id, Delivery.channel)
    )
    return {(event_id, channel) for event_id, channel in rows}


async def _fan_out(uow: UnitOfWork, items: list[tuple[_Received, str]]) -> dict[Key, BaseException]:
    """Send each claimed (event, channel); what failed, and why. Everything is read before the first message goes out
    and written after the last: the channels then send side by side, without the session."""
    errors: dict[Key, BaseException] = {}
    if not items:
        return errors
    user_ids = {received.event.user_id for received, _ in items if received.event.user_id is not None}
    choices = await preferences.choices(uow, user_ids)

    by_channel: dict[str, list[QueuedEvent]] = {WEBHOOK: [], EMAIL: [], TELEGRAM: []}
    for received, channel in items:
        by_channel[channel].append(received.event)

    def wanted(channel: preferences.Channel) -> list[QueuedEvent]:
        """The channel's events whose users want them (the account's own mails go whatever the settings say)."""
        kept = []
        for event in by_channel[channel]:
            if event.user_id is None or choices[event.user_id][channel] or event.type.startswith("account."):
                kept.append(event)
            else:
                logger.info("the user turned %s notifications off", channel, extra={"event_id": str(event.id)})
        return kept

    titles = await _tour_titles(uow, by_channel[EMAIL] + by_channel[TELEGRAM])
    bodies = {received.event.id: received.body for received, channel in items if channel == WEBHOOK}
    attempts = {received.event.id: received.attempt for received, _ in items}
    webhooks = wanted("webhook")
    mails = await _compose_mails(uow, wanted("email"), titles, errors)
    chats = await _chats(uow, wanted("telegram"))
    gone: dict[uuid.UUID, Chat] = {}
    await asyncio.gather(
        _in_turn(WEBHOOK, [(event, functools.partial(_deliver_webhook, bodies[event.id], event, attempts[event.id]))
                           for event in webhooks], errors),
        _send_mails(mails, errors),
        _in_turn(TELEGRAM, [(event, functools.partial(_deliver_telegram, event, chat, titles, gone))
                            for event, chat in chats], errors),
    )
    if gone:
        from shared.telegram import services as telegram

        for user_id, chat in gone.items():
            await telegram.unlink_chat(uow, user_id=user_id, chat=chat)
    return errors


async def _in_turn(channel: str, sends: list[tuple[QueuedEvent, Callable[[], Awaitable[None]]]],
                   errors: dict[Key, BaseException]) -> None:
    """One message after another; after a dependency's outage the rest are not tried against it."""
    outage: BaseException | None = None
    for event, send in sends:
        if outage is not None:
            errors[(event.id, channel)] = outage
            continue
        try:
            await send()
        except Exception as exc:
            errors[(event.id, channel)] = exc
            outage = exc if outages.is_outage(exc) else None


async def _tour_titles(uow: UnitOfWork, events: list[QueuedEvent]) -> dict[str, str]:
    """{tour id: title} of the tours these events name, in one query."""
    from shared.tours.models import Tour

    ids: set[uuid.UUID] = set()
    for event in events:
        try:
            ids.add(uuid.UUID(str(event.payload["tour_id"])))
        except (KeyError, ValueError):
            continue
    if not ids:
        return {}
    return {str(tour_id): title for tour_id, title in await uow.session.execute(
        select(Tour.id, Tour.title).where(Tour.id.in_(ids)))}


async def _deliver_webhook(body: bytes, event: QueuedEvent, attempt: int) -> None:
    settings = get_settings()
    if settings.webhook_url:
        await _post(settings, settings.webhook_url, body, event, attempt)
    else:
        logger.info("WEBHOOK_URL is not set: the event is recorded as delivered, nothing was sent",
                    extra={"event_id": str(event.id), "event_type": event.type})


async def _compose_mails(uow: UnitOfWork, events: list[QueuedEvent], titles: dict[str, str],
                         errors: dict[Key, BaseException]) -> list[tuple[QueuedEvent, Mail]]:
    """The e-mails of these events (their users read in one query); a message that cannot be made is an error."""
    if not events:
        return []
    from shared.mail import messages

    users = await messages.recipients(uow, {event.user_id for event in events if event.user_id is not None})
    mails = []
    for event in events:
        try:
            mail = messages.compose(event_type=event.type, user=users.get(event.user_id) if event.user_id else None,
                                    payload=event.payload, tour_title=titles.get(str(event.payload.get("tour_id")), ""))
        except Exception as exc:
            errors[(event.id, EMAIL)] = exc
            continue
        if mail is None:
            logger.info("no e-mail for this event (no active user)",
                        extra={"event_id": str(event.id), "event_type": event.type})
        else:
            mails.append((event, mail))
    return mails


async def _send_mails(mails: list[tuple[QueuedEvent, Mail]], errors: dict[Key, BaseException]) -> None:
    """`MAIL_CONCURRENCY` messages at a time; after an outage of the transport the rest are not tried."""
    concurrency = asyncio.Semaphore(MAIL_CONCURRENCY)
    outage: list[BaseException] = []

    async def send(event: QueuedEvent, mail: Mail) -> None:
        async with concurrency:
            if outage:
                errors[(event.id, EMAIL)] = outage[0]
                return
            try:
                await _send_mail(mail)
            except Exception as exc:
                errors[(event.id, EMAIL)] = exc
                if outages.is_outage(exc):
                    outage.append(exc)
                return
        logger.info("e-mail sent", extra={"event_id": str(event.id), "event_type": event.type})

    await asyncio.gather(*(send(event, mail) for event, mail in mails))


async def _send_mail(mail: Mail) -> None:
    from shared.mail import transports

    started = time.perf_counter()
    try:
        await asyncio.to_thread(transports.send, mail)
    except transports.MailError as exc:
        raise MailError(str(exc)) from exc
    finally:
        metrics.observe_integration("mail", get_settings().mail_backend, time.perf_counter() - started)


async def _chats(uow: UnitOfWork, events: list[QueuedEvent]) -> list[tuple[QueuedEvent, Chat]]:
    """The events to send to their users' linked chats (read in one query); the rest have nowhere to go."""
    if not events:
        return []
    from shared.telegram import services as telegram

    chats = await telegram.linked_chats(uow, {event.user_id for event in events if event.user_id is not None})
    found = []
    for event in events:
        chat = chats.get(event.user_id) if event.user_id is not None else None
        if chat is None:
            logger.info("no telegram message for this event",
                        extra={"event_id": str(event.id), "event_type": event.type})
        else:
            found.append((event, chat))
    return found


async def _deliver_telegram(event: QueuedEvent, chat: Chat, titles: dict[str, str], gone: dict[uuid.UUID, Chat]
                            ) -> None:
    from shared.telegram import bot, services as telegram

    assert event.user_id is not None  # a chat was found for the user
    if event.user_id in gone:  # an earlier event of the batch found the chat gone: nothing more goes there
        return
    try:
        await telegram.notify(chat, event_type=event.type, payload=event.payload,
                              tour_title=titles.get(str(event.payload.get("tour_id")), ""))
    except bot.ChatGoneError as exc:
        logger.info("the chat is gone, unlinked: %s", exc, extra={"user_id": str(event.user_id)})
        gone[event.user_id] = chat
        return
    logger.info("telegram message sent", extra={"event_id": str(event.id), "event_type": event.type})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Tourbook-Signature value: HMAC-SHA256 of "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def _post(settings: Settings, url: str, body: bytes, event: QueuedEvent, attempt: int) -> None:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Tourbook-Event": event.type,
        "X-Tourbook-Event-Id": str(event.id), "X-Tourbook-Timestamp": timestamp,
        "X-Tourbook-Delivery-Attempt": str(attempt),
    }
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if secret:
        headers["X-Tourbook-Signature"] = sign(secret, timestamp, body)
    elif settings.environment == "production":
        raise WebhookError("WEBHOOK_SECRET is not set: unsigned webhooks are not sent in production")
    started = time.perf_counter()
    try:
        status = await asyncio.to_thread(_post_now, url, body, headers, settings.webhook_timeout_seconds)
    except Exception as exc:  # refused, reset, timed out, not HTTP at all
        metrics.count_outgoing("webhook", "error")
        raise WebhookError(f"The webhook is unreachable ({exc.__class__.__name__})") from exc
    finally:
        metrics.observe_integration("http", "webhook", time.perf_counter() - started)
    if not 200 <= status < 300:
        metrics.count_outgoing("webhook", "error")
        raise WebhookError(f"The webhook answered {status}")
    metrics.count_outgoing("webhook", "ok")


def _post_now(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener().open(request, timeout=timeout) as response:
            response.read(65536)
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """urllib's opener without redirects: a webhook that moved is a failed delivery, not a GET elsewhere."""
    import urllib.request

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirects)


async def _back_off(record: dict[str, Any], attempt: int) -> None:
    """Keep the failed message invisible for longer after each attempt, so retries spread out."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), MAX_VISIBILITY_SECONDS)
    delay = int(delay * random.uniform(1.0, 1.1))  # jitter: messages that failed together retry apart
    try:
        await asyncio.to_thread(_change_visibility, record, min(delay, MAX_VISIBILITY_SECONDS))
    except Exception as exc:  # the message is still retried, after the queue's own visibility timeout
        logger.warning("could not delay the retry: %s", exc.__class__.__name__,
                       extra={"message_id": record.get("messageId")})


def _change_visibility(record: dict[str, Any], seconds: int) -> None:
    aws.sqs().change_message_visibility(
        QueueUrl=_queue_url(str(record.get("eventSourceARN", ""))), ReceiptHandle=str(record["receiptHandle"]),
        VisibilityTimeout=seconds,
    )


def _queue_url(arn: str) -> str:
    """The URL of the queue a record came from: the configured one when it is that queue, else asked of SQS."""
    parts = arn.split(":")
    if len(parts) != 6:
        raise ValueError(f"Not a queue ARN: {arn!r}")
    account, name = parts[4], parts[5]
    configured = get_settings().notifications_queue_url
    if configured and configured.rstrip("/").rsplit("/", 1)[-1] == name:
        return configured
    return aws.sqs().get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
