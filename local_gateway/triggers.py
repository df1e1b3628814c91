"""Non-HTTP triggers run locally: `Schedule` events on their rate, SQS queues delivered in batches, and the
S3 "Object Created" events of the uploads bucket (EventBridge rules)."""
from __future__ import annotations

import abc
import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from local_gateway import events
from local_gateway.template import ACCOUNT_ID, Function, QueueTrigger, Schedule, UploadTrigger

logger = logging.getLogger("local_gateway")
Invoke = Callable[[Function, dict[str, Any]], Awaitable[Any]]


class Scheduler:
    """Fires every enabled `rate(...)` schedule like EventBridge: on time, even if the last run is still going."""

    def __init__(self, jobs: list[tuple[Function, Schedule]], invoke: Invoke, *, region: str = "eu-west-1",
                 time_scale: float = 1.0) -> None:
        self.jobs: list[tuple[Function, Schedule, float]] = []
        for function, schedule in jobs:
            seconds = schedule.rate_seconds
            if not schedule.enabled:
                continue
            if seconds is None:
                logger.warning("%s: schedule %r is not run locally (only rate(...) is supported)",
                               function.logical_id, schedule.expression)
                continue
            self.jobs.append((function, schedule, seconds * time_scale))
        self.invoke = invoke
        self.region = region
        self._tasks: list[asyncio.Task[None]] = []
        self._runs: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._every(*job)) for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runs:  # let the runs in flight finish, as Lambda would
            await asyncio.wait(self._runs)

    def event(self, function: Function, schedule: Schedule) -> dict[str, Any]:
        if schedule.input is not None:
            loaded: dict[str, Any] = json.loads(schedule.input)
            return loaded
        return events.scheduled_event(f"local-{function.logical_id}{schedule.event_name}", region=self.region)

    async def fire(self, function: Function, schedule: Schedule) -> Any:
        try:
            return await self.invoke(function, self.event(function, schedule))
        except Exception:
            logger.exception("%s: scheduled invocation failed", function.logical_id)
            return None

    async def _every(self, function: Function, schedule: Schedule, period: float) -> None:
        next_at = time.monotonic() + period
        while True:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += period
            run = asyncio.create_task(self.fire(function, schedule))
            self._runs.add(run)
            run.add_done_callback(self._runs.discard)


SqsClientFactory = Callable[[], Any]


class _Background(abc.ABC):
    """A loop of the gateway's own (started and stopped with it) that pauses between rounds until stopped."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    @abc.abstractmethod
    async def run(self) -> None:
        """The loop itself: rounds with `_pause` between them until `stop`."""

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            pass


class QueuePoller(_Background):
    """The SQS event source mapping: receive a batch, invoke, delete what succeeded.

    A batch whose invocation fails stays on the queue (visible again after its visibility timeout);
    with `ReportBatchItemFailures` only the listed `batchItemFailures` stay.
    """

    def __init__(self, function: Function, trigger: QueueTrigger, invoke: Invoke, client_factory: SqsClientFactory,
                 *, region: str = "eu-west-1", wait_seconds: int = 1, create_missing: bool = True) -> None:
        super().__init__()
        self.function = function
        self.trigger = trigger
        self.invoke = invoke
        self.client_factory = client_factory
        self.region = region
        self.wait_seconds = wait_seconds
        self.create_missing = create_missing
        self.queue_url: str | None = None
        self.queue_arn = f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{trigger.queue_name}"
        self._client: Any = None

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.poll_once()
            except Exception as exc:  # a queue that is down must not stop the gateway: retry shortly
                logger.warning("%s: polling %s failed: %s", self.function.logical_id, self.trigger.queue_name,
                               exc.__class__.__name__)
                await self._pause(2.0)

    async def poll_once(self) -> int:
        """Receive one batch (long polling for up to `wait_seconds`) and deliver it; returns its size."""
        loop = asyncio.get_running_loop()
        if self.queue_url is None:
            await loop.run_in_executor(None, self._connect)
        received = await loop.run_in_executor(None, self._receive)
        messages: list[dict[str, Any]] = received.get("Messages", [])
        if not messages:
            return 0
        event = events.sqs_event(
            events.sqs_record(
                message["Body"], queue_arn=self.queue_arn, message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"], attributes=message.get("Attributes"),
                message_attributes=message.get("MessageAttributes"), region=self.region,
            )
            for message in messages
        )
        try:
            result = await self.invoke(self.function, event)
        except Exception:
            logger.exception("%s: SQS batch of %d failed; the messages stay on the queue",
                             self.function.logical_id, len(messages))
            return len(messages)
        failed = self._failed_ids(result)
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            await loop.run_in_executor(None, self._delete, done)
        return len(messages)

    def _failed_ids(self, result: Any) -> set[str]:
        if not self.trigger.report_batch_item_failures or not isinstance(result, dict):
            return set()
        return {str(item.get("itemIdentifier")) for item in result.get("batchItemFailures") or []}

    def _connect(self) -> None:
        if self._client is None:
            self._client = self.client_factory()
        self.queue_url = queue_url(self._client, self.trigger.queue_name, create_missing=self.create_missing)
        attributes = self._client.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        self.queue_arn = attributes["Attributes"].get("QueueArn", self.queue_arn)

    def _receive(self) -> dict[str, Any]:
        response: dict[str, Any] = self._client.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=max(1, min(self.trigger.batch_size, 10)),
            WaitTimeSeconds=self.wait_seconds, AttributeNames=["All"], MessageAttributeNames=["All"],
        )
        return response

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        self._client.delete_message_batch(QueueUrl=self.queue_url, Entries=[
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(messages)
        ])


def queue_url(client: Any, name: str, *, create_missing: bool = True) -> str:
    """The URL of the local queue `name`, created if it is missing (moto and LocalStack start empty)."""
    try:
        return str(client.get_queue_url(QueueName=name)["QueueUrl"])
    except client.exceptions.QueueDoesNotExist:
        if not create_missing:
            raise
        return str(client.create_queue(QueueName=name)["QueueUrl"])


def provide_queue_urls(variables: Mapping[str, str], client_factory: SqsClientFactory) -> dict[str, str]:
    """Point the variables the template sets to a queue's URL at the local queues of the same name.

    The functions then write where the pollers read (both use the template's queue name); a variable
    already set (LocalStack with queues of its own) is left alone. Returns what was set.
    """
    missing = {variable: name for variable, name in variables.items() if not os.environ.get(variable)}
    if not missing:
        return {}
    client = client_factory()
    provided = {variable: queue_url(client, name) for variable, name in missing.items()}
    os.environ.update(provided)
    return provided


class UploadWatcher(_Background):
    """S3 "Object Created" events for the local bucket, which moto does not deliver: every `interval` seconds the
    rule's prefixes are listed, and each object that is new (or rewritten: another ETag) since the last look
    invokes the function with the event EventBridge would send, one at a time, as on AWS. Objects already there
    when the watcher starts are not announced. A failed invocation is logged; Lambda would retry it twice.
    """

    def __init__(self, function: Function, trigger: UploadTrigger, invoke: Invoke, client_factory: Callable[[], Any],
                 *, bucket: str, region: str = "eu-west-1", interval: float = 1.0) -> None:
        super().__init__()
        self.function = function
        self.trigger = trigger
        self.invoke = invoke
        self.client_factory = client_factory
        self.bucket = bucket
        self.region = region
        self.interval = interval
        self.seen: dict[str, str] | None = None
        self._client: Any = None

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.scan_once()
            except Exception as exc:  # a bucket that is not there yet, or S3 down: look again later
                logger.warning("%s: listing %s failed: %s", self.function.logical_id, self.bucket,
                               exc.__class__.__name__)
            await self._pause(self.interval)

    async def scan_once(self) -> int:
        """Look once; returns how many objects were announced."""
        listed = await asyncio.get_running_loop().run_in_executor(None, self._list)
        seen, self.seen = self.seen, {key: etag for key, (etag, _) in listed.items()}
        if seen is None:
            return 0
        created = [(key, etag, size) for key, (etag, size) in sorted(listed.items()) if seen.get(key) != etag]
        for key, etag, size in created:
            event = events.object_created_event(self.bucket, key, size=size, etag=etag, region=self.region,
                                                account=ACCOUNT_ID)
            try:
                await self.invoke(self.function, event)
            except Exception:
                logger.exception("%s: the event of %s failed", self.function.logical_id, key)
        return len(created)

    def _list(self) -> dict[str, tuple[str, int]]:
        if self._client is None:
            self._client = self.client_factory()
        found: dict[str, tuple[str, int]] = {}
        for prefix in self.trigger.prefixes:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    found[item["Key"]] = (str(item["ETag"]), int(item["Size"]))
        return found


def s3_client_factory(endpoint_url: str | None, region: str) -> Callable[[], Any]:
    def create() -> Any:
        import boto3

        return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region)

    return create


def sqs_client_factory(endpoint_url: str | None, region: str) -> SqsClientFactory:
    def create() -> Any:
        import boto3

        return boto3.session.Session().client("sqs", endpoint_url=endpoint_url, region_name=region)

    return create
