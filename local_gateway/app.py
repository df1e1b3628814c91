"""The local API Gateway: template routes → v2 events → the functions, plus schedules, queues and /metrics."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any, TextIO

from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local_gateway import events, mailbox, routing, template as sam, webapp
from local_gateway.problems import request_id_of, send_problem
from local_gateway.runtime import FunctionError, Runtime, create_runtime
from local_gateway.triggers import (
    QueuePoller, Scheduler, UploadWatcher, provide_queue_urls, s3_client_factory, sqs_client_factory,
)
from shared.core import errors, metrics
from shared.core.settings import Settings, get_settings, reset_settings

logger = logging.getLogger("local_gateway")
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit; the functions enforce theirs (1 MiB)


class ClientDisconnected(Exception):
    pass


class Gateway:
    """The catch-all ASGI endpoint: match a template route, build the v2 event, invoke, write the result.

    What the gateway answers itself (no route, a method the path lacks, a path it cannot decode, a body over
    its limit, a function that failed) is a problem like the functions' own, from the same `AppError.problem`.
    """

    def __init__(self, template: sam.Template, runtime: Runtime) -> None:
        self.template = template
        self.runtime = runtime
        self.routes = routing.RouteTable(template.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every answer names its request (see `_with_request_id`): the gateway's own problems through that wrapper,
        the functions' answers in the headers written here."""
        method: str = scope["method"]
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        try:
            match = self.routes.match(method, path)
        except routing.MethodNotAllowed as exc:
            await _problem(scope, send, errors.MethodNotAllowedError(
                exc.allowed, f"{method} is not allowed on {scope['path']}"))
            return
        except routing.Undecodable as exc:
            await _problem(scope, send, errors.BadRequestError(f"The path cannot be decoded: {exc}"))
            return
        if match is None:
            await _problem(scope, send, errors.NotFoundError(f"No route for {method} {scope['path']}"))
            return
        try:
            body = await _read_body(receive)
        except ClientDisconnected:
            return
        except _TooLarge:
            too_large = errors.PayloadTooLargeError(f"The gateway accepts at most {MAX_BODY_BYTES} bytes")
            await _problem(scope, send, too_large)
            return
        client = scope.get("client")
        source_ip = client[0] if client else "127.0.0.1"
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
        scheme = scope.get("scheme", "http")
        server = scope.get("server")
        port = server[1] if server and server[1] else 443 if scheme == "https" else 80
        # As API Gateway does: the caller appended to X-Forwarded-For, the scheme and port it was reached on.
        headers += [("x-forwarded-for", source_ip), ("x-forwarded-proto", scheme), ("x-forwarded-port", str(port))]
        request_id = request_id_of(scope)
        event = events.http_event(
            method, path,
            route_key=match.route.route_key,
            path_parameters=match.path_parameters,
            raw_query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            body=body,
            source_ip=source_ip,
            request_id=request_id,
        )
        try:
            result = await self.runtime.invoke(match.route.function, event)
            response = events.read_result(result)
        except FunctionError as exc:
            logger.error("%s", exc)
            await _problem(scope, send, errors.AppError("The function failed"))
            return
        except Exception:
            logger.exception("%s failed", match.route.function.logical_id)
            await _problem(scope, send, errors.AppError("The function failed"))
            return
        raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]
        request_id_header = request_id.encode()
        if not any(name == "x-request-id" for name, _ in response.headers):
            raw_headers.append((b"x-request-id", request_id_header))
        raw_headers += [(b"apigw-requestid", request_id_header), (b"content-length", str(len(response.body)).encode())]
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})


class _TooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes:
    """The raw ASGI body: no Request object, no form parsing (the function parses its own body)."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnected()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge()
        return body
    chunks, size = [body], len(body)
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def _problem(scope: Scope, send: Send, error: errors.AppError) -> None:
    """The gateway's own problem answer, naming its request (see `_with_request_id`)."""
    await send_problem(scope, _with_request_id(scope, send), error)


def _with_request_id(scope: Scope, send: Send) -> Send:
    """Every answer names its request (API Gateway's `apigw-requestid`; `x-request-id` unless the function set it).

    An answer that names it already (the gateway's, through the CORS middleware) goes out as it is."""
    request_id = request_id_of(scope).encode()

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"apigw-requestid" for name, _ in headers):
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id))
                headers.append((b"apigw-requestid", request_id))
                message = {**message, "headers": headers}
        await send(message)

    return sending


class MetricsEndpoint:
    """GET /metrics: the whole process's registry (every function's series), for people and tests."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = generate_latest(metrics.REGISTRY)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", CONTENT_TYPE_LATEST.encode()), (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})


class Background:
    """What runs beside the routes: the metrics pusher, the scheduler and the queue pollers."""

    def __init__(self, gateway: Gateway, *, schedules: bool, queues: bool, schedule_time_scale: float) -> None:
        self.gateway = gateway
        self.schedules = schedules
        self.queues = queues
        self.schedule_time_scale = schedule_time_scale
        self.scheduler: Scheduler | None = None
        self.pollers: list[QueuePoller] = []
        self.watchers: list[UploadWatcher] = []
        self.pusher: metrics.Pusher | None = None
        self._push_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        settings = get_settings()
        runtime, template = self.gateway.runtime, self.gateway.template
        # The gateway pushes its one registry itself; the functions it hosts must not push too.
        metrics.push_externally()
        await runtime.start()
        # No `function` in the grouping key: the Pushgateway overwrites a pushed metric's label with the
        # grouping key's value of the same name, and this one registry holds the series of many functions.
        self.pusher = metrics.make_pusher({"instance": metrics.instance_id()}, interval=0)
        if self.pusher is not None:
            # An interval of 0 means "after every invocation" to a function; the gateway pushes on a clock.
            interval = max(settings.metrics_push_interval_seconds, 1.0)
            self._push_task = asyncio.create_task(self._push_every(interval))
        if settings.aws_endpoint_url and template.queue_variables:
            try:
                settings = await asyncio.get_running_loop().run_in_executor(None, self._provide_queues, template)
            except Exception as exc:  # the relay logs its own failures; the API still serves
                logger.warning("local queues not prepared: %s: %s", exc.__class__.__name__, exc)
        if self.schedules:
            jobs = [(function, schedule) for function in template.functions for schedule in function.schedules]
            self.scheduler = Scheduler(jobs, runtime.invoke, region=settings.aws_region,
                                       time_scale=self.schedule_time_scale)
            self.scheduler.start()
        if self.queues:
            self._start_pollers(template, runtime, settings.aws_endpoint_url, settings.aws_region)
            self._start_watchers(template, runtime, settings)

    @staticmethod
    def _provide_queues(template: sam.Template) -> Settings:
        """NOTIFICATIONS_QUEUE_URL and friends, unless set: the local queues the pollers read."""
        settings = get_settings()
        provided = provide_queue_urls(template.queue_variables, sqs_client_factory(settings.aws_endpoint_url,
                                                                                   settings.aws_region))
        for variable, url in provided.items():
            logger.info("%s=%s (local queue)", variable, url)
        reset_settings()
        return get_settings()

    def _start_pollers(self, template: sam.Template, runtime: Runtime, endpoint: str | None, region: str) -> None:
        triggers = [(f, trigger) for f in template.functions for trigger in f.queues if trigger.enabled]
        if triggers and not endpoint:
            logger.warning("SQS triggers are not polled: set AWS_ENDPOINT_URL (moto or LocalStack)")
            return
        factory = sqs_client_factory(endpoint, region)
        self.pollers = [QueuePoller(function, trigger, runtime.invoke, factory, region=region)
                        for function, trigger in triggers]
        for poller in self.pollers:
            poller.start()

    def _start_watchers(self, template: sam.Template, runtime: Runtime, settings: Settings) -> None:
        """The uploads bucket's "Object Created" events, which moto does not send (with a real S3, EventBridge does)."""
        triggers = [(function, trigger) for function in template.functions for trigger in function.uploads]
        if not triggers or not settings.aws_endpoint_url:
            return
        factory = s3_client_factory(settings.aws_endpoint_url, settings.aws_region)
        interval = float(os.environ.get("GATEWAY_UPLOAD_POLL_SECONDS", "1"))
        self.watchers = [UploadWatcher(function, trigger, runtime.invoke, factory, bucket=settings.uploads_bucket,
                                       region=settings.aws_region, interval=interval)
                         for function, trigger in triggers]
        for watcher in self.watchers:
            watcher.start()

    async def stop(self) -> None:
        self._stopping.set()
        if self.scheduler is not None:
            await self.scheduler.stop()
        await asyncio.gather(*(poller.stop() for poller in self.pollers))
        await asyncio.gather(*(watcher.stop() for watcher in self.watchers))
        await self.gateway.runtime.stop()
        if self._push_task is not None:
            await self._push_task
        if self.pusher is not None:  # the last word: what was counted since the last push
            await asyncio.get_running_loop().run_in_executor(None, self.pusher.maybe_push)

    async def _push_every(self, interval: float) -> None:
        assert self.pusher is not None
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), interval)
            if not self._stopping.is_set():
                await loop.run_in_executor(None, self.pusher.maybe_push)


class GatewayApp:
    """The ASGI app uvicorn serves: lifespan, GET /metrics, CORS, and every template route.

    Dispatch is written by hand rather than with a Starlette app: its router and middleware stack around
    one catch-all route cost ~50 µs per request here, as much as the rest of the gateway's overhead.
    """

    def __init__(self, gateway: Gateway, background: Background) -> None:
        self.gateway = gateway
        self.background = background
        self.metrics = MetricsEndpoint()
        self.web = webapp.WebApp()  # web/dist at /, for every page path outside the API
        cors = gateway.template.cors
        self.cors: ASGIApp | None = None
        if cors is not None:
            self.cors = CORSMiddleware(
                gateway, allow_origins=cors.allow_origins, allow_methods=cors.allow_methods,
                allow_headers=cors.allow_headers, expose_headers=cors.expose_headers,
                allow_credentials=cors.allow_credentials, max_age=cors.max_age,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            if scope["path"] == "/metrics" and scope["method"] == "GET":
                await self.metrics(scope, receive, _with_request_id(scope, send))
            elif mailbox.serves(scope):  # the local mailbox (MAIL_BACKEND=local)
                await mailbox.mailbox(scope, receive, _with_request_id(scope, send))
            elif webapp.serves(scope) and not self.gateway.routes.declares(scope["path"]):  # the template's first
                await self.web(scope, receive, _with_request_id(scope, send))
            elif self.cors is not None and any(name == b"origin" for name, _ in scope["headers"]):
                # only cross-origin requests get CORS headers; a preflight is answered by the middleware itself
                await self.cors(scope, receive, _with_request_id(scope, send))
            else:
                await self.gateway(scope, receive, send)  # names the request in its answers itself
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.background.start()
                except Exception as exc:
                    logger.exception("gateway start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.background.stop()
                except Exception as exc:
                    logger.exception("gateway shutdown failed")
                    await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return


def proxy_options(trusted_proxies: str | None = None) -> dict[str, Any]:
    """uvicorn's proxy settings: the client is the socket's peer, unless that peer is one of the trusted proxies
    (GATEWAY_TRUSTED_PROXIES: addresses or networks, comma-separated; none by default). uvicorn's own default
    believes X-Forwarded-For from 127.0.0.1, and one header would then pick the source IP the rate limits count."""
    if trusted_proxies is None:
        trusted_proxies = os.environ.get("GATEWAY_TRUSTED_PROXIES", "")
    trusted = [address.strip() for address in trusted_proxies.split(",") if address.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def from_environment() -> GatewayApp:
    """The app of one of `serve --processes N`'s worker processes (uvicorn's factory), configured by the
    GATEWAY_* variables `serve` sets. One process at a time runs the schedules and queue pollers: the one
    holding the lock on GATEWAY_BACKGROUND_LOCK (if it exits, the next to start takes over)."""
    background = _holds_background_lock(os.environ.get("GATEWAY_BACKGROUND_LOCK", ""))
    return create_app(os.environ.get("GATEWAY_TEMPLATE"),
                      schedules=background and os.environ.get("GATEWAY_SCHEDULES", "1") == "1",
                      queues=background and os.environ.get("GATEWAY_QUEUES", "1") == "1")


_lock_file: TextIO | None = None


def _holds_background_lock(path: str) -> bool:
    global _lock_file
    if not path:
        return True
    import fcntl

    handle = open(path, "a")  # kept open: the lock lasts as long as this process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    _lock_file = handle
    return True


def create_app(
    template: sam.Template | Path | str | None = None,
    *,
    mode: str | None = None,
    workers: int | None = None,
    schedules: bool = True,
    queues: bool = True,
    schedule_time_scale: float | None = None,
) -> GatewayApp:
    """The gateway as an ASGI app; mode, pool size and schedule scale default to GATEWAY_MODE, GATEWAY_WORKERS and
    GATEWAY_SCHEDULE_SCALE (0.1: a `rate(1 minute)` schedule fires every 6 seconds)."""
    if not isinstance(template, sam.Template):
        template = sam.load(template or sam.DEFAULT_TEMPLATE)
    mode = mode or os.environ.get("GATEWAY_MODE") or "inprocess"
    workers = workers or int(os.environ.get("GATEWAY_WORKERS") or 4)
    if schedule_time_scale is None:
        schedule_time_scale = float(os.environ.get("GATEWAY_SCHEDULE_SCALE") or 1.0)
    if schedule_time_scale <= 0:
        raise ValueError("GATEWAY_SCHEDULE_SCALE must be positive")
    runtime = create_runtime(mode, workers=workers, region=get_settings().aws_region)
    gateway = Gateway(template, runtime)
    background = Background(gateway, schedules=schedules, queues=queues, schedule_time_scale=schedule_time_scale)
    return GatewayApp(gateway, background)
