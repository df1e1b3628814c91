"""moto's server (`python -m moto.server`: moto's own application, its arguments) for the benches, served on
connections that stay open, as SQS keeps them: werkzeug's development server closes every connection after its
answer (`Connection: close`, whatever the protocol version), so each call cost a connection and a thread (~12 % of
the stand-in's CPU under the bookings bench, py-spy) and the caller a connect. Here `http.server`'s threading server
answers HTTP/1.1 with a Content-Length and keeps the connection (one thread per connection, as before).

Four of moto's costs per request are cut as well, with the same answers (a real SQS costs the machine nothing; the
stand-in shares its two cores with the gateway and PostgreSQL):
- Its SQS clock: moto's SendMessage builds the queue's attributes for every message, counting the queue's
  messages (visible, delayed, in flight) with `unix_time_millis()` per message, which builds naive datetimes
  (`utcnow()`, the epoch by `utcfromtimestamp(0)`) and subtracts them: ~40 % of the stand-in's CPU under the
  bookings bench's SendMessageBatches (py-spy). Here it is `time.time()`.
- The same attributes build their names from CamelCase for every message (`camelcase_to_underscores`, a pure
  function of a constant, ~20 per message): ~12 %. Here each name is converted once.
- Finding the service of a request lists moto's package directory (`os.listdir` and an `isdir` per entry, ~200)
  every time: ~9 %. Here the list is read once.
- werkzeug wrote a log line to stderr for every request: ~6 %. This server writes none.
"""
import datetime
import functools
import http.server
import io
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from moto import backends, server
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

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _KeptAlive(http.server.BaseHTTPRequestHandler):
    """One WSGI call per request; the answer has a Content-Length, so the connection stays open for the next one."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the headers and the body are two writes: no waiting for the first one's ACK
    app: App
    host: str
    port: int

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        environ = {
            "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "PATH_INFO": urllib.parse.unquote(path),
            "QUERY_STRING": query, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "SERVER_NAME": self.host, "SERVER_PORT": str(self.port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0], "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            if name.lower() not in ("content-type", "content-length"):
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer: list[Any] = []
        chunks = self.app(environ, lambda status, headers, exc_info=None: answer.extend((status, headers)))
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = answer
        self.send_response_only(int(status[:3]), status[4:])
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve_kept_alive(host: str, port: int, app: App, **_: Any) -> None:
    """What moto's `main` calls in place of werkzeug's `run_simple`."""
    handler = type("Handler", (_KeptAlive,), {"app": staticmethod(app), "host": host, "port": port})
    http.server.ThreadingHTTPServer((host, port), handler).serve_forever()


if __name__ == "__main__":
    sqs_models.unix_time, sqs_models.unix_time_millis = unix_time, unix_time_millis  # type: ignore[attr-defined]
    backends.list_of_moto_modules = _moto_modules
    names = functools.cache(sqs_models.camelcase_to_underscores)  # type: ignore[attr-defined]
    sqs_models.camelcase_to_underscores = names  # type: ignore[attr-defined]
    server.run_simple = _serve_kept_alive  # type: ignore[attr-defined,assignment]
    server.main()
