"""SQS queues of a test's own on the moto server, and their messages as Lambda's SQS records."""
from __future__ import annotations

import os
import uuid
from typing import Any

from local_gateway import events
from shared.core import aws
from shared.core.settings import reset_settings


def notifications_queue(*, visibility_timeout: int = 30) -> str:
    """A fresh queue, set as NOTIFICATIONS_QUEUE_URL (the `aws` fixture restores the environment)."""
    url = aws.sqs().create_queue(QueueName=f"notifications-{uuid.uuid4().hex[:12]}",
                                 Attributes={"VisibilityTimeout": str(visibility_timeout)})["QueueUrl"]
    os.environ["NOTIFICATIONS_QUEUE_URL"] = url
    reset_settings()
    return url


def receive_all(url: str) -> list[dict[str, Any]]:
    """Every message visible now, once each (a queue with no visibility timeout shows them again at once)."""
    messages: dict[str, dict[str, Any]] = {}
    while True:
        batch = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                          AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        fresh = [dict(message) for message in batch if message["MessageId"] not in messages]
        if not fresh:
            return list(messages.values())
        messages.update((str(message["MessageId"]), message) for message in fresh)


def as_record(url: str, message: dict[str, Any]) -> dict[str, Any]:
    """The SQS event record Lambda's event source mapping makes of a received message."""
    arn = aws.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return events.sqs_record(
        message["Body"], queue_arn=arn, message_id=message["MessageId"], receipt_handle=message["ReceiptHandle"],
        attributes=message.get("Attributes"), message_attributes=message.get("MessageAttributes"),
    )
