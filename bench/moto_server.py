"""moto's server (`python -m moto.server`) for the benches, answering HTTP/1.1 so that clients keep their
connections open as they do with SQS itself (werkzeug's default, HTTP/1.0, closes each one after its answer).

Its SQS clock is made cheaper, the same values: moto's SendMessage builds the queue's attributes for every message,
counting the queue's messages (visible, delayed, in flight) with `unix_time_millis()` per message, which builds
naive datetimes (`utcnow()`, the epoch by `utcfromtimestamp(0)`) and subtracts them: ~40 % of the stand-in's CPU
under the bookings bench's SendMessageBatches (py-spy). Here it is `time.time()`. A real SQS costs the machine
nothing; the stand-in shares its two cores with the gateway and PostgreSQL.
"""
import datetime
import time

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import main
from moto.sqs import models as sqs_models


def unix_time(dt: datetime.datetime | None = None) -> float:
    """`moto.core.utils.unix_time`: seconds since the epoch of a naive UTC datetime, or of now."""
    return time.time() if dt is None else dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def unix_time_millis(dt: datetime.datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


if __name__ == "__main__":
    MotoRequestHandler.protocol_version = "HTTP/1.1"
    sqs_models.unix_time, sqs_models.unix_time_millis = unix_time, unix_time_millis  # type: ignore[attr-defined]
    main()
