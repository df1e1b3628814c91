"""Schedules fire on their rate and SQS batches are delivered, against fake job handlers defined here."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_gateway import template as sam
from local_gateway.runtime import Runtime, create_runtime
from local_gateway.triggers import QueuePoller, Scheduler

received: list[tuple[str, dict[str, Any], str]] = []
_received_lock = threading.Lock()
failing_ids: set[str] = set()
released = threading.Event()  # a `{"kind": "long"}` tick runs until this is set


def tick(event: dict[str, Any], context: Any) -> None:
    """A sync scheduled job: records what it got and on which thread."""
    with _received_lock:
        received.append((context.function_name, event, threading.current_thread().name))
    if event.get("kind") == "long":
        released.wait(10)


async def tick_async(event: dict[str, Any], context: Any) -> None:
    with _received_lock:
        received.append((context.function_name, event, threading.current_thread().name))


def deliver(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A queue consumer: the bodies in `failing_ids` fail, the rest succeed."""
    with _received_lock:
        received.append((context.function_name, event, threading.current_thread().name))
    failed = [record["messageId"] for record in event["Records"] if record["body"] in failing_ids]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def crash(event: dict[str, Any], context: Any) -> None:
    raise RuntimeError("the webhook is down")


FAKE_TEMPLATE = """
Resources:
  Outbox:
    Type: AWS::SQS::Queue
    Properties: {QueueName: test-outbox}
  TickFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_triggers.tick
      Events:
        Minutely: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
        Digest: {Type: Schedule, Properties: {Schedule: rate(2 minutes), Input: '{"kind": "digest"}'}}
        Nightly: {Type: Schedule, Properties: {Schedule: "cron(0 3 * * ? *)"}}
        Off: {Type: Schedule, Properties: {Schedule: rate(1 minute), Enabled: false}}
  AsyncTickFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_triggers.tick_async
      Events:
        Minutely: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
  DeliverFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_triggers.deliver
      Events:
        Queue:
          Type: SQS
          Properties: {Queue: !GetAtt Outbox.Arn, BatchSize: 10, FunctionResponseTypes: [ReportBatchItemFailures]}
  CrashFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/unit/
      Handler: test_gateway_triggers.crash
      Events:
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Outbox.Arn}}
"""


@pytest.fixture(scope="module")
def fake_template(tmp_path_factory: pytest.TempPathFactory) -> sam.Template:
    path: Path = tmp_path_factory.mktemp("triggers") / "template.yaml"
    path.write_text(FAKE_TEMPLATE)
    return sam.load(path)


@pytest.fixture(autouse=True)
def _forget_received() -> Iterator[None]:
    received.clear()
    failing_ids.clear()
    yield
    received.clear()


def calls(function: str) -> list[tuple[dict[str, Any], str]]:
    with _received_lock:
        return [(event, thread) for name, event, thread in received if name == function]


async def wait_for(condition: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("mode", ["inprocess", "isolated"])
async def test_schedules_fire_on_their_rate(
    fake_template: sam.Template, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = create_runtime(mode, workers=2)
    jobs = [(f, schedule) for f in fake_template.functions for schedule in f.schedules]
    await runtime.start()
    with caplog.at_level(logging.WARNING, logger="local_gateway"):
        scheduler = Scheduler(jobs, runtime.invoke, time_scale=0.001)  # a minute becomes 60 ms
    try:
        scheduler.start()
        await wait_for(lambda: len(calls("TickFunction")) >= 4 and calls("AsyncTickFunction"))
    finally:
        await scheduler.stop()
        await runtime.stop()

    events = [event for event, _ in calls("TickFunction")]
    scheduled = [event for event in events if event.get("detail-type") == "Scheduled Event"]
    assert scheduled and all(event["source"] == "aws.events" for event in scheduled)
    assert scheduled[0]["resources"] == ["arn:aws:events:eu-west-1:000000000000:rule/local-TickFunctionMinutely"]
    assert {"kind": "digest"} in events  # a schedule's Input replaces the scheduled event
    threads = {thread for _, thread in calls("TickFunction")}
    assert all(thread.startswith("lambda-") for thread in threads)  # sync handlers never run on the loop
    assert "cron(0 3 * * ? *)" in caplog.text  # cron is reported, not run


async def test_a_failing_scheduled_run_does_not_stop_the_schedule(fake_template: sam.Template) -> None:
    attempts: list[str] = []

    async def invoke(function: sam.Function, event: dict[str, Any]) -> None:
        attempts.append(function.logical_id)
        raise RuntimeError("boom")

    function = fake_template.function("TickFunction")
    scheduler = Scheduler([(function, function.schedules[0])], invoke, time_scale=0.0005)
    scheduler.start()
    try:
        await wait_for(lambda: len(attempts) >= 3)
    finally:
        await scheduler.stop()


async def test_a_long_job_holds_up_its_own_function_only(fake_template: sam.Template) -> None:
    from local_gateway import events

    runtime = create_runtime("inprocess")
    released.clear()
    long_run = asyncio.create_task(runtime.invoke(fake_template.function("TickFunction"), {"kind": "long"}))
    try:
        await wait_for(lambda: calls("TickFunction"))
        batch = events.sqs_event([events.sqs_record("ok", queue_arn="arn:aws:sqs:eu-west-1:123456789012:test-outbox",
                                                    message_id="m-1")])
        result = await asyncio.wait_for(runtime.invoke(fake_template.function("DeliverFunction"), batch), 5)
        assert result == {"batchItemFailures": []} and not long_run.done()  # delivered while the tick still runs
    finally:
        released.set()
        await long_run
        await runtime.stop()
    ((_, tick_thread),), ((_, deliver_thread),) = calls("TickFunction"), calls("DeliverFunction")
    assert tick_thread.startswith("lambda-TickFunction") and deliver_thread.startswith("lambda-DeliverFunction")


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="eu-west-1")


def poller(fake_template: sam.Template, logical_id: str, mode: str = "inprocess") -> tuple[QueuePoller, Runtime]:
    function = fake_template.function(logical_id)
    runtime = create_runtime(mode, workers=1)
    consumer = QueuePoller(function, function.queues[0], runtime.invoke,
                           lambda: boto3.client("sqs", region_name="eu-west-1"), wait_seconds=0)
    return consumer, runtime


def queue_depth(sqs: Any) -> int:
    url = sqs.get_queue_url(QueueName="test-outbox")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.mark.parametrize("mode", ["inprocess", "isolated"])
async def test_queue_messages_are_delivered_in_a_batch_and_deleted(sqs: Any, fake_template: sam.Template,
                                                                   mode: str) -> None:
    url = sqs.create_queue(QueueName="test-outbox")["QueueUrl"]
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": number}))
    consumer, runtime = poller(fake_template, "DeliverFunction", mode)

    delivered = await consumer.poll_once()
    await runtime.stop()

    assert delivered == 3
    ((event, _),) = calls("DeliverFunction")
    assert sorted(json.loads(record["body"])["n"] for record in event["Records"]) == [0, 1, 2]
    record = event["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:123456789012:test-outbox"
    assert queue_depth(sqs) == 0


async def test_reported_batch_item_failures_stay_on_the_queue(sqs: Any, fake_template: sam.Template) -> None:
    url = sqs.create_queue(QueueName="test-outbox")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="ok")
    sqs.send_message(QueueUrl=url, MessageBody="fails")
    failing_ids.add("fails")
    consumer, runtime = poller(fake_template, "DeliverFunction")

    assert await consumer.poll_once() == 2
    await runtime.stop()

    assert queue_depth(sqs) == 1


async def test_a_failed_batch_stays_on_the_queue(sqs: Any, fake_template: sam.Template) -> None:
    url = sqs.create_queue(QueueName="test-outbox")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    consumer, runtime = poller(fake_template, "CrashFunction")

    assert await consumer.poll_once() == 1
    await runtime.stop()

    assert queue_depth(sqs) == 1


async def test_a_missing_queue_is_created_locally_and_the_poller_runs_until_stopped(
    sqs: Any, fake_template: sam.Template
) -> None:
    consumer, runtime = poller(fake_template, "DeliverFunction")
    consumer.start()
    await wait_for(lambda: consumer.queue_url is not None)
    sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="late")

    await wait_for(lambda: bool(calls("DeliverFunction")))
    await consumer.stop()
    await runtime.stop()

    assert calls("DeliverFunction")[0][0]["Records"][0]["body"] == "late"
