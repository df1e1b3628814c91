"""The outbox's SendMessageBatch on the event loop (shared/core/sqs.py): against the moto server, as boto3 would
send it, and against servers that misbehave (a kept-alive connection closed, an answer that is not SQS's, nobody
listening)."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest

from shared.core import aws as aws_clients
from shared.core import metrics, sqs
from shared.core.settings import reset_settings
from tests.support.queues import notifications_queue, receive_all


def _entry(body: str, kind: str = "booking.created") -> dict[str, object]:
    return {"Id": str(uuid.uuid4()), "MessageBody": body,
            "MessageAttributes": {"type": {"DataType": "String", "StringValue": kind}}}


async def test_a_batch_reaches_the_queue_with_its_bodies_and_attributes(aws: str) -> None:
    url = notifications_queue()
    entries = [_entry(json.dumps({"n": n, "text": "Zoë's trip — 東京"})) for n in range(10)]

    answer = await sqs.sender().send_message_batch(url, entries)

    assert {entry["Id"] for entry in answer["Successful"]} == {entry["Id"] for entry in entries}
    assert not answer.get("Failed")
    messages = receive_all(url)
    assert sorted(json.loads(message["Body"])["n"] for message in messages) == list(range(10))
    assert {message["MessageAttributes"]["type"]["StringValue"] for message in messages} == {"booking.created"}
    assert {json.loads(message["Body"])["text"] for message in messages} == {"Zoë's trip — 東京"}


async def test_an_sqs_refusal_is_an_error_with_its_code(aws: str) -> None:
    missing = f"{aws}/000000000000/no-such-queue-{uuid.uuid4().hex[:8]}"
    with pytest.raises(sqs.SqsError) as refused:
        await sqs.sender().send_message_batch(missing, [_entry("x")])
    assert refused.value.status == 400
    assert "NonExistentQueue" in refused.value.code or "QueueDoesNotExist" in refused.value.code


async def test_every_call_is_timed_for_the_metrics(aws: str) -> None:
    url = notifications_queue()
    before = _timed_calls()
    await sqs.sender().send_message_batch(url, [_entry("x")])
    assert _timed_calls() == before + 1


def _timed_calls() -> float:
    return sum(sample.value for family in metrics.REGISTRY.collect() for sample in family.samples
               if sample.name == "tourbook_integration_duration_seconds_count"
               and sample.labels.get("integration") == "sqs" and sample.labels.get("operation") == "SendMessageBatch")


# -- servers that misbehave ----------------------------------------------------------------------------------------


Answer = Callable[[int, bytes], bytes]  # (the request's number on its connection, its bytes) -> what to write back


@asynccontextmanager
async def _server(answer: Answer, *, close_after: int | None = None) -> AsyncIterator[dict[str, object]]:
    """An HTTP server on 127.0.0.1 answering with `answer`; it closes a connection after `close_after` answers,
    without saying so. Yields its endpoint and what it saw (connections, requests)."""
    seen: dict[str, object] = {"connections": 0, "requests": []}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen["connections"] = int(seen["connections"]) + 1  # type: ignore[call-overload]
        served = 0
        try:
            while close_after is None or served < close_after:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                request = head + await reader.readexactly(length)
                seen["requests"].append(request)  # type: ignore[attr-defined]
                served += 1
                writer.write(answer(served, request))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with _environment(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                      AWS_SECRET_ACCESS_KEY="secret", AWS_SESSION_TOKEN="session-token"):
        try:
            yield seen
        finally:
            server.close()


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """These variables set while the block runs, then put back; the settings and clients renewed both times."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reset_settings()
    aws_clients.reset()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()
        aws_clients.reset()


def _ok(_: int, request: bytes) -> bytes:
    ids = [entry["Id"] for entry in json.loads(request.partition(b"\r\n\r\n")[2])["Entries"]]
    body = json.dumps({"Successful": [{"Id": id, "MessageId": str(uuid.uuid4()), "MD5OfMessageBody": "x"}
                                      for id in ids]}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body), body)


async def test_the_request_is_signed_for_sqs_with_the_session_token(aws: str) -> None:
    async with _server(_ok) as seen:
        await sqs.sender().send_message_batch("https://sqs.example/1/q", [_entry("x")])
    request = seen["requests"][0]  # type: ignore[index]
    head = request.partition(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("post / http/1.1")
    assert "x-amz-target: amazonsqs.sendmessagebatch" in head
    assert "content-type: application/x-amz-json-1.0" in head
    assert "x-amz-security-token: session-token" in head
    authorization = next(line for line in head.split("\r\n") if line.startswith("authorization:"))
    assert "aws4-hmac-sha256 credential=akidexample/" in authorization
    assert "/eu-west-1/sqs/aws4_request" in authorization
    assert "host" in authorization and "x-amz-target" in authorization  # the signed headers


async def test_calls_share_one_kept_alive_connection(aws: str) -> None:
    async with _server(_ok) as seen:
        for n in range(3):
            await sqs.sender().send_message_batch("https://sqs.example/1/q", [_entry(str(n))])
    assert seen["connections"] == 1
    assert len(seen["requests"]) == 3  # type: ignore[arg-type]


async def test_a_connection_the_server_closed_meanwhile_is_replaced(aws: str) -> None:
    async with _server(_ok, close_after=1) as seen:
        sender = sqs.sender()
        await sender.send_message_batch("https://sqs.example/1/q", [_entry("1")])
        await asyncio.sleep(0.05)  # the server has closed it; the sender still holds it as idle
        answer = await sender.send_message_batch("https://sqs.example/1/q", [_entry("2")])
    assert len(answer["Successful"]) == 1
    assert seen["connections"] == 2
    assert len(seen["requests"]) == 2  # type: ignore[arg-type]


async def test_an_answer_that_is_not_sqs_is_an_error_and_the_connection_is_dropped(aws: str) -> None:
    def gateway_error(_: int, __: bytes) -> bytes:
        body = b"<html>502 Bad Gateway</html>"
        return b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    async with _server(gateway_error):
        sender = sqs.sender()
        with pytest.raises(sqs.SqsError) as refused:
            await sender.send_message_batch("https://sqs.example/1/q", [_entry("x")])
        assert refused.value.status == 502 and refused.value.code == "NotJson"


async def test_an_answer_without_a_length_is_an_error(aws: str) -> None:
    async with _server(lambda _, __: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"):
        sender = sqs.sender()
        with pytest.raises(sqs.SqsError):
            await sender.send_message_batch("https://sqs.example/1/q", [_entry("x")])
        assert sender._idle == []


async def test_nobody_listening_fails_at_once(aws: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with _environment(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"), pytest.raises(OSError):
        async with asyncio.timeout(sqs.CONNECT_TIMEOUT):
            await sqs.sender().send_message_batch("https://sqs.example/1/q", [_entry("x")])
