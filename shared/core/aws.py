"""boto3 clients, one per service per execution environment, pointed at AWS_ENDPOINT_URL when set."""
from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING, Any

from shared.core import metrics
from shared.core.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

_lock = threading.Lock()


@functools.cache
def _client(service: str) -> Any:
    import boto3  # only functions that talk to AWS pay for boto3
    from botocore.config import Config

    settings = get_settings()
    config = Config(
        connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"},
        s3={"addressing_style": "path"} if settings.aws_endpoint_url else None,
        signature_version="s3v4" if service == "s3" else None,
    )
    with _lock:  # boto3's default session is not thread-safe while it builds clients
        client = boto3.session.Session().client(  # type: ignore[call-overload]
            service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url, config=config
        )
    _time_calls(client, service)
    return client


def s3() -> S3Client:
    return _client("s3")  # type: ignore[no-any-return]


def sqs() -> SQSClient:
    return _client("sqs")  # type: ignore[no-any-return]


def sesv2() -> SESV2Client:
    return _client("sesv2")  # type: ignore[no-any-return]


@functools.cache
def credentials() -> Any:
    """The environment's credentials (botocore's chain: the variables Lambda sets, a profile, ...), or None."""
    import botocore.session

    return botocore.session.get_session().get_credentials()


def reset() -> None:
    """Forget the clients and credentials, close the SQS sender's connections (tests change AWS_ENDPOINT_URL)."""
    from shared.core import sqs

    _client.cache_clear()
    credentials.cache_clear()
    sqs.reset()


def _time_calls(client: Any, service: str) -> None:
    starts: dict[int, float] = {}

    def before(**kwargs: Any) -> None:
        starts[threading.get_ident()] = time.perf_counter()

    def after(model: Any = None, **kwargs: Any) -> None:
        started = starts.pop(threading.get_ident(), None)
        if started is not None:
            metrics.observe_integration(service, getattr(model, "name", "unknown"), time.perf_counter() - started)

    client.meta.events.register("before-call", before)
    client.meta.events.register("after-call", after)
