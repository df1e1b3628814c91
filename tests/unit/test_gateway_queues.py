"""Locally, the variables the template sets to a queue's URL point at the queue the gateway polls."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_gateway import template as sam
from local_gateway.triggers import provide_queue_urls

TEMPLATE = sam.load(sam.DEFAULT_TEMPLATE)


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.session.Session().client("sqs", region_name="eu-west-1")


def test_the_template_names_the_relay_queue_by_its_logical_id() -> None:
    assert TEMPLATE.queue_variables == {"NOTIFICATIONS_QUEUE_URL": "NotificationsQueue"}
    (consumer,) = [function for function in TEMPLATE.functions if function.queues]
    assert consumer.logical_id == "DeliverNotificationsFunction"
    assert consumer.queues[0].queue_name == "NotificationsQueue"  # the queue its poller reads
    assert consumer.queues[0].report_batch_item_failures and consumer.queues[0].batch_size == 10


def test_the_relay_writes_where_the_poller_reads(sqs: Any) -> None:
    os.environ.pop("NOTIFICATIONS_QUEUE_URL", None)

    provided = provide_queue_urls(TEMPLATE.queue_variables, lambda: sqs)

    url = sqs.get_queue_url(QueueName="NotificationsQueue")["QueueUrl"]
    assert provided == {"NOTIFICATIONS_QUEUE_URL": url} and os.environ["NOTIFICATIONS_QUEUE_URL"] == url
    assert provide_queue_urls(TEMPLATE.queue_variables, lambda: sqs) == {}  # set already: left alone


def test_a_queue_url_set_by_hand_is_kept(sqs: Any) -> None:
    os.environ["NOTIFICATIONS_QUEUE_URL"] = "http://localstack:4566/000000000000/mine"

    assert provide_queue_urls(TEMPLATE.queue_variables, lambda: sqs) == {}
    assert os.environ["NOTIFICATIONS_QUEUE_URL"] == "http://localstack:4566/000000000000/mine"
    assert "QueueUrls" not in sqs.list_queues()


def test_the_embedded_moto_hands_out_the_messages_within_their_retention_period(sqs: Any) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    from local_gateway import embedded

    embedded.speed_up_sqs_receive()  # what `serve` does before it starts moto
    url = sqs.create_queue(QueueName="test-retention", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    for body in ("fresh", "stale"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    stale = sqs_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].queues["test-retention"]._messages[1]
    setattr(stale, "sent_timestamp", int(stale.sent_timestamp or 0) - 61_000)  # sent 61 s ago: past its retention

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [message["Body"] for message in received] == ["fresh"]
