"""API Gateway HTTP API (payload 2.0) events, built exactly as AWS builds them, and results read back."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import urllib.parse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_clock: list[Any] = [0, ""]
TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/javascript",
              "application/xml", "application/x-www-form-urlencoded", "image/svg+xml")


def http_event(
    method: str,
    raw_path: str,
    *,
    route_key: str,
    path_parameters: dict[str, str] | None = None,
    raw_query_string: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    stage: str = "$default",
    request_id: str | None = None,
) -> dict[str, Any]:
    """The v2 event: repeated headers joined by commas, cookies split out, binary bodies base64."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        merged[name] = f"{merged[name]},{value}" if name in merged else value
    query: dict[str, str] = {}
    for pair in filter(None, raw_query_string.split("&")):
        key, _, value = pair.partition("=")
        key, value = _unquote(key), _unquote(value)  # decoded, as API Gateway does; rawQueryString stays raw
        query[key] = f"{query[key]},{value}" if key in query else value  # API Gateway joins repeats
    text = _text(body, merged.get("content-type", ""))
    now = time.time()
    second = int(now)
    if _clock[0] != second:  # strftime is a tenth of this function's cost: once a second is enough
        _clock[:] = [second, dt.datetime.fromtimestamp(second, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query_string,
        "headers": merged,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": merged.get("host", "localhost"),
            "domainPrefix": merged.get("host", "localhost").split(".")[0],
            "http": {
                "method": method.upper(),
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request_id or uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": stage,
            "time": _clock[1],
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": text is None,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = base64.b64encode(body).decode() if text is None else text
    return event


@dataclass(frozen=True)
class Result:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def read_result(result: Any) -> Result:
    """A Lambda proxy result back into HTTP: v2 `cookies` become Set-Cookie headers.

    As with API Gateway's payload 2.0, a result without `statusCode` is itself the JSON body of a 200.
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        return Result(200, [("content-type", "application/json")], json.dumps(result).encode())
    headers = [
        (name.lower(), str(value)) for name, value in (result.get("headers") or {}).items()
        if name.lower() != "content-length"
    ]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name.lower(), str(value)) for value in values)
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return Result(int(result.get("statusCode", 200)), headers, body)


def scheduled_event(rule: str, *, region: str = "eu-west-1", account: str = "000000000000",
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """What EventBridge sends a function on a `Schedule` (unless the schedule has its own `Input`)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule}"],
        "detail": {},
    }


def sqs_record(
    body: str,
    *,
    queue_arn: str,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    attributes: dict[str, str] | None = None,
    message_attributes: dict[str, Any] | None = None,
    region: str = "eu-west-1",
) -> dict[str, Any]:
    """One record of an SQS event, as the Lambda event source mapping builds it from a received message."""
    now_ms = str(int(time.time() * 1000))
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": receipt_handle or uuid.uuid4().hex,
        "body": body,
        "attributes": attributes or {
            "ApproximateReceiveCount": "1", "SentTimestamp": now_ms, "SenderId": "000000000000",
            "ApproximateFirstReceiveTimestamp": now_ms,
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []), "dataType": value.get("DataType", "String"),
            }
            for name, value in (message_attributes or {}).items()
        },
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": list(records)}


def _unquote(text: str) -> str:
    return urllib.parse.unquote_plus(text) if "%" in text or "+" in text else text


def _text(body: bytes, content_type: str) -> str | None:
    """The body as text when it is declared as text and is UTF-8; None: it goes base64-encoded, as API Gateway
    sends bytes it cannot pass as text (the function then decides what such a body means)."""
    content_type = content_type.lower()
    if not any(content_type.startswith(prefix) for prefix in TEXT_TYPES) and not content_type.endswith("+json"):
        return None if body else ""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def object_created_event(bucket: str, key: str, *, size: int, etag: str, region: str = "eu-west-1",
                         account: str = "000000000000", now: dt.datetime | None = None) -> dict[str, Any]:
    """What EventBridge sends a rule's target for an object created in a bucket with EventBridge enabled."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0", "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "etag": etag.strip('"'),
                       "sequencer": f"{int(now.timestamp() * 1_000_000):016X}"},
            "request-id": hashlib.sha256(f"{key}{now}".encode()).hexdigest()[:16].upper(), "requester": account,
            "reason": "PostObject",
        },
    }
