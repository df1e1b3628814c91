"""SendMessageBatch on the event loop: how committed outbox events reach the notifications queue.

A request that commits an event waits until it is sent (DESIGN.md: dispatched at once after the commit; a Lambda
environment is frozen once it answers). Through boto3 the call ran in a worker thread, since boto3 blocks: about
1.8 ms of CPU per call in botocore's hooks, serializer and urllib3, and the worker fought the event loop for the
GIL. Here the call is one JSON body, signed by botocore's own SigV4 signer with the session's credentials, written on
a kept-alive connection of the loop's and answered on the loop: bench 5 (bench/README.md) has the figures.

It speaks SQS's JSON protocol, as boto3 does: `POST /` with `X-Amz-Target: AmazonSQS.SendMessageBatch` and
`Content-Type: application/x-amz-json-1.0`; the answer is `{"Successful": [...], "Failed": [...]}`, an error
`{"__type": "...#Code", "message": "..."}` with a 4xx or 5xx status. Every other SQS call goes through boto3.
"""
from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.parse
import weakref
from typing import Any

from shared.core import metrics
from shared.core.settings import get_settings

CONNECT_TIMEOUT = 2.0  # seconds, as boto3's client config (shared/core/aws.py)
CALL_TIMEOUT = 5.0  # the whole call: connecting, writing, the answer
KEPT = 10  # idle connections kept per loop: a group of events goes out in at most ten batches side by side


class SqsError(Exception):
    """SQS refused the call (its code and message), or answered with something that is not SQS's."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code = status, code


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class BatchSender:
    def __init__(self, endpoint: str, region: str) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        self._tls = parts.scheme == "https"
        self._address = (parts.hostname or "127.0.0.1", parts.port or (443 if self._tls else 80))
        self._url, self._host = f"{parts.scheme}://{parts.netloc}/", parts.netloc
        self._region = region
        self._idle: list[_Connection] = []
        self._context: ssl.SSLContext | None = None

    async def send_message_batch(self, queue_url: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"QueueUrl": queue_url, "Entries": entries}, separators=(",", ":")).encode()
        request = self._signed(body)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                status, answer = await self._exchange(request)
        finally:
            metrics.observe_integration("sqs", "SendMessageBatch", time.perf_counter() - started)
        try:
            found = json.loads(answer) if answer else {}
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise SqsError(status, "NotJson", answer[:200].decode(errors="replace"))
        if status >= 300:
            code = str(found.get("__type", "Unknown")).rpartition("#")[2]
            raise SqsError(status, code, str(found.get("message") or found.get("Message") or ""))
        return found

    def _signed(self, body: bytes) -> bytes:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        from shared.core import aws

        credentials = aws.credentials()
        if credentials is None:
            raise SqsError(0, "NoCredentials", "no AWS credentials found")
        request = AWSRequest("POST", self._url, data=body, headers={
            "Host": self._host, "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.SendMessageBatch",
        })
        SigV4Auth(credentials.get_frozen_credentials(), "sqs", self._region).add_auth(request)
        head = "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
        return f"POST / HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        """Write the request on an idle connection (or a new one) and read its answer. A kept-alive connection the
        server closed meanwhile answers nothing: the request goes once more on a new one."""
        while True:
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await self._connect()
            head = b""
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status, length, keep = _head(head)
                answer = await reader.readexactly(length)
            except BaseException as exc:
                writer.transport.abort()
                closed_meanwhile = isinstance(exc, (OSError, asyncio.IncompleteReadError)) and not head \
                    and not getattr(exc, "partial", b"")
                if reused and closed_meanwhile:
                    continue
                raise
            if keep and len(self._idle) < KEPT:
                self._idle.append((reader, writer))
            else:
                writer.transport.abort()
            return status, answer

    async def _connect(self) -> _Connection:
        if self._tls and self._context is None:  # the certificate store is read once per sender, not per connection
            self._context = ssl.create_default_context()
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await asyncio.open_connection(*self._address, ssl=self._context)

    def close(self) -> None:
        while self._idle:
            self._idle.pop()[1].transport.abort()


def _head(head: bytes) -> tuple[int, int, bool]:
    """(status, body length, connection kept) of an answer's status line and headers."""
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/") or not rest[:3].isdigit():
        raise SqsError(0, "NotHttp", lines[0][:100])
    headers = {name.strip().lower(): value.strip().lower()
               for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" not in headers or not headers["content-length"].isdigit():
        raise SqsError(int(rest[:3]), "NoContentLength", "an answer without Content-Length")
    keep = version == "HTTP/1.1" and headers.get("connection") != "close"
    return int(rest[:3]), int(headers["content-length"]), keep


_senders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BatchSender] = weakref.WeakKeyDictionary()


def sender() -> BatchSender:
    """The running loop's sender (its connections belong to that loop)."""
    loop = asyncio.get_running_loop()
    found = _senders.get(loop)
    if found is None:
        settings = get_settings()
        endpoint = settings.aws_endpoint_url or f"https://sqs.{settings.aws_region}.amazonaws.com"
        found = _senders[loop] = BatchSender(endpoint, settings.aws_region)
    return found


def reset() -> None:
    """Close every loop's idle connections and forget the senders (tests change AWS_ENDPOINT_URL; SnapStart)."""
    for found in list(_senders.values()):
        found.close()
    _senders.clear()
