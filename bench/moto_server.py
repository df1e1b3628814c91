"""moto's server (`python -m moto.server`) for the benches. werkzeug's server closes every connection after its
answer (`Connection: close`, whatever the protocol version), so each call opens a connection: SQS itself keeps them.

Four of moto's costs per request are cut here, with the same answers (a real SQS costs the machine nothing; the
stand-in shares its two cores with the gateway and PostgreSQL):
- Its SQS clock: moto's SendMessage builds the queue's attributes for every message, counting the queue's
  messages (visible, delayed, in flight) with `unix_time_millis()` per message, which builds naive datetimes
  (`utcnow()`, the epoch by `utcfromtimestamp(0)`) and subtracts them: ~40 % of the stand-in's CPU under the
  bookings bench's SendMessageBatches (py-spy). Here it is `time.time()`.
- The same attributes build their names from CamelCase for every message (`camelcase_to_underscores`, a pure
  function of a constant, ~20 per message): ~12 %. Here each name is converted once.
- Finding the service of a request lists moto's package directory (`os.listdir` and an `isdir` per entry, ~200)
  every time: ~9 %. Here the list is read once.
- werkzeug writes a log line to stderr for every request: ~6 %. Here only warnings and errors are written.
"""
import datetime
import functools
import logging
import time

from moto import backends
from moto.server import main
from moto.sqs import models as sqs_models


def unix_time(dt: datetime.datetime | None = None) -> float:
    """`moto.core.utils.unix_time`: seconds since the epoch of a naive UTC datetime, or of now."""
    return time.time() if dt is None else dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def unix_time_millis(dt: datetime.datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(_list_of_moto_modules())


_list_of_moto_modules = backends.list_of_moto_modules

if __name__ == "__main__":
    sqs_models.unix_time, sqs_models.unix_time_millis = unix_time, unix_time_millis  # type: ignore[attr-defined]
    backends.list_of_moto_modules = _moto_modules
    names = functools.cache(sqs_models.camelcase_to_underscores)  # type: ignore[attr-defined]
    sqs_models.camelcase_to_underscores = names  # type: ignore[attr-defined]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    main()
