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
import functools
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Executable, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert

from shared.core import aws, jobs, metrics
from shared.core.orm import utcnow
from shared.core.outbox import OutboxEvent
from shared.core.settings import Settings, get_settings
from shared.core.uow import UnitOfWork
from shared.notifications import preferences
from shared.notifications.models import Delivery

if TYPE_CHECKING:
    import urllib.request

    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

logger = logging.getLogger("tourbook.notifications")

RELAY_BATCH = 100  # rows locked per transaction; SQS takes them 10 per request
RELAY_BUDGET_SECONDS = 20.0  # then the run stops; the next one (a minute later) goes on
SQS_BATCH = 10
BACKOFF_BASE_SECONDS = 60  # a failed delivery is received again after 1, 2, 4, 8... minutes
MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's limit
USER_AGENT = "tourbook-webhooks/1"
WEBHOOK, EMAIL, TELEGRAM = "webhook", "email", "telegram"  # the channels (delivery.channel)
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


async def publish_now(uow: UnitOfWork, event_ids: list[uuid.UUID]) -> int:
    """Right after their commit: publish these events to the queue and mark them published; how many were.

    Never fails the request that wrote them: with SQS or PostgreSQL unreachable the events stay unpublished and the
    relay sends them on its next run (and for `DISPATCH_PAUSE_SECONDS` after a failure nothing is tried here, so an
    outage costs the requests no time). The rows are locked while SQS takes them, so the relay skips them.
    """
    global _dispatch_paused_until
    queue_url = get_settings().notifications_queue_url
    if not queue_url or time.monotonic() < _dispatch_paused_until:
        return 0
    taken: list[OutboxEvent] = []
    sent: list[OutboxEvent] = []
    try:
        # One statement locks the rows (those a relay holds are its to send) and marks them published; the mark of
        # any that SQS does not take is taken back before the commit.
        statements = _publish_statements()
        rows = await uow.session.execute(statements.take, {"ids": event_ids, "now": utcnow()})
        taken = sorted((OutboxEvent(**row._mapping) for row in rows), key=lambda event: (event.created_at, event.id))
        refused: set[uuid.UUID] = set()
        for start in range(0, len(taken), SQS_BATCH):
            sent_now, refused_now = await _send(queue_url, taken[start:start + SQS_BATCH])
            sent += sent_now
            refused |= refused_now
        if refused:
            await uow.session.execute(statements.untake, {"ids": list(refused)})
        await uow.commit()
    except Exception as exc:
        _dispatch_paused_until = time.monotonic() + DISPATCH_PAUSE_SECONDS
        logger.warning("events not dispatched, the relay will publish them: %s", exc.__class__.__name__,
                       extra={"events": len(event_ids)})
        try:
            if sent:  # what SQS took must not be sent again
                unsent = [event.id for event in taken if event not in sent]
                if unsent:
                    await uow.session.execute(_publish_statements().untake, {"ids": unsent})
                await uow.commit()
            else:
                await uow.rollback()
        except Exception:
            await uow.rollback()
        return 0
    return len(sent)


class _PublishStatements(NamedTuple):
    take: Executable
    untake: Executable


@functools.cache
def _publish_statements() -> _PublishStatements:
    """Built once per environment (every booking runs them), bound per call."""
    unpublished = (
        select(OutboxEvent.id)
        .where(OutboxEvent.id.in_(bindparam("ids", expanding=True)), OutboxEvent.published_at.is_(None))
        .with_for_update(skip_locked=True)
    )
    take = (
        update(OutboxEvent).where(OutboxEvent.id.in_(unpublished)).values(published_at=bindparam("now"))
        .returning(*(getattr(OutboxEvent, name) for name in _EVENT_FIELDS))
        .execution_options(synchronize_session=False)
    )
    untake = (
        update(OutboxEvent).where(OutboxEvent.id.in_(bindparam("ids", expanding=True))).values(published_at=None)
        .execution_options(synchronize_session=False)
    )
    return _PublishStatements(take, untake)


_EVENT_FIELDS = ("id", "type", "aggregate_id", "user_id", "payload", "created_at", "published_at")


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
    entries: list[SendMessageBatchRequestEntryTypeDef] = [
        {"Id": str(event.id), "MessageBody": message_body(event),
         "MessageAttributes": {"type": {"DataType": "String", "StringValue": event.type}}}
        for event in events
    ]
    try:
        response = await asyncio.to_thread(lambda: aws.sqs().send_message_batch(QueueUrl=queue_url, Entries=entries))
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


async def deliver(uow: UnitOfWork, record: dict[str, Any]) -> None:
    """Consumer: deliver one queued event on each of its channels, once per event and channel however often SQS
    delivers it. Each channel commits its own delivery row, so a retry skips the channels that already took it;
    a channel the user turned off (shared.notifications.preferences) is recorded as delivered, nothing sent."""
    body = str(record.get("body", "")).encode()
    event = parse_message(body)
    attempt = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
    for channel in channels(event):
        # Claimed first: a copy of the message delivered at the same time waits on this row, then finds it.
        claimed = await uow.session.scalar(
            insert(Delivery).values(event_id=event.id, channel=channel, attempts=attempt).on_conflict_do_nothing()
            .returning(Delivery.event_id)
        )
        if claimed is None:
            logger.info("event already delivered", extra={"event_id": str(event.id), "event_type": event.type,
                                                          "channel": channel})
            continue
        try:
            if channel == WEBHOOK:
                await _deliver_webhook(uow, body, event, attempt)
            elif channel == EMAIL:
                await _deliver_email(uow, event)
            else:
                await _deliver_telegram(uow, event)
        except Exception:
            await uow.rollback()
            await _back_off(record, attempt)
            raise
        await uow.commit()


async def _deliver_webhook(uow: UnitOfWork, body: bytes, event: QueuedEvent, attempt: int) -> None:
    settings = get_settings()
    if not await preferences.channel_enabled(uow, user_id=event.user_id, channel="webhook"):
        logger.info("the user turned webhook notifications off", extra={"event_id": str(event.id)})
    elif settings.webhook_url:
        await _post(settings, settings.webhook_url, body, event, attempt)
    else:
        logger.info("WEBHOOK_URL is not set: the event is recorded as delivered, nothing was sent",
                    extra={"event_id": str(event.id), "event_type": event.type})


async def _deliver_email(uow: UnitOfWork, event: QueuedEvent) -> None:
    from shared.mail import messages, transports

    # The account's own mails (verification, reset) are not notifications: they go whatever the settings say.
    if not event.type.startswith("account.") and not await preferences.channel_enabled(
            uow, user_id=event.user_id, channel="email"):
        logger.info("the user turned e-mail notifications off", extra={"event_id": str(event.id)})
        return
    mail = await messages.compose(uow, event_type=event.type, user_id=event.user_id, payload=event.payload)
    if mail is None:
        logger.info("no e-mail for this event (no active user)",
                    extra={"event_id": str(event.id), "event_type": event.type})
        return
    started = time.perf_counter()
    try:
        await asyncio.to_thread(transports.send, mail)
    except transports.MailError as exc:
        raise MailError(str(exc)) from exc
    finally:
        metrics.observe_integration("mail", get_settings().mail_backend, time.perf_counter() - started)
    logger.info("e-mail sent", extra={"event_id": str(event.id), "event_type": event.type})


async def _deliver_telegram(uow: UnitOfWork, event: QueuedEvent) -> None:
    from shared.telegram import services as telegram

    sent = await telegram.notify(uow, event_type=event.type, user_id=event.user_id, payload=event.payload)
    logger.info("telegram message sent" if sent else "no telegram message for this event",
                extra={"event_id": str(event.id), "event_type": event.type})


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
