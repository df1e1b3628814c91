"""The gateway's stand-in for the uploads bucket's EventBridge events: each new object under a rule's prefixes."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_gateway import template as sam
from local_gateway.triggers import UploadWatcher

BUCKET = "watched-uploads"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_the_template_rule_is_read_as_an_upload_trigger() -> None:
    function = sam.load().function("MakeThumbnailsFunction")
    assert [trigger.prefixes for trigger in function.uploads] == [("tours/", "avatars/")]


async def test_new_and_rewritten_objects_under_the_prefixes_are_announced_once(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="tours/before.jpg", Body=b"there before the gateway")
    sent: list[dict[str, Any]] = []

    async def invoke(function: sam.Function, event: dict[str, Any]) -> None:
        sent.append(event)
        if event["detail"]["object"]["key"] == "avatars/fails.png":
            raise RuntimeError("the function failed")

    function = sam.Function("Thumbs", "functions/thumbnails/", "make_thumbnails.handler",
                            "functions.thumbnails.make_thumbnails", "handler")
    watcher = UploadWatcher(function, sam.UploadTrigger("Uploaded", ("tours/", "avatars/")), invoke, lambda: s3,
                            bucket=BUCKET)
    assert await watcher.scan_once() == 0  # what was there at the start is not news
    s3.put_object(Bucket=BUCKET, Key="tours/new.jpg", Body=b"new")
    s3.put_object(Bucket=BUCKET, Key="avatars/fails.png", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key="web/index.html", Body=b"not watched")
    assert await watcher.scan_once() == 2
    assert await watcher.scan_once() == 0
    s3.put_object(Bucket=BUCKET, Key="tours/new.jpg", Body=b"rewritten")
    assert await watcher.scan_once() == 1
    keys = [event["detail"]["object"]["key"] for event in sent]
    assert keys == ["avatars/fails.png", "tours/new.jpg", "tours/new.jpg"]
    assert {(event["source"], event["detail-type"], event["detail"]["bucket"]["name"]) for event in sent} == {
        ("aws.s3", "Object Created", BUCKET)}
    assert sent[1]["detail"]["object"]["size"] == 3
