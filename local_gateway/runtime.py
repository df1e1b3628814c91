"""How the gateway runs a function: on its own loop (`inprocess`) or in warm execution environments (`isolated`)."""
from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import functools
import gc
import importlib
import inspect
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

from mangum import Mangum
from mangum.handlers import HTTPGateway
from mangum.protocols import HTTPCycle
from mangum.types import LambdaHandler, Scope

from local_gateway.template import ACCOUNT_ID, Function

logger = logging.getLogger("local_gateway")
Mode = Literal["inprocess", "isolated"]
MODES: tuple[Mode, ...] = ("inprocess", "isolated")


class LambdaContext:
    """The `context` argument of a Lambda handler, with the attributes the Python runtime provides.

    Made for every invocation: what is its function's is worked out once per function (and thread), and the request
    id is drawn when first read (the HTTP adapter uses the event's).
    """

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    log_group_name: str
    log_stream_name: str
    identity: Any = None
    client_context: Any = None
    _known: dict[tuple[str, int, str, str], dict[str, Any]] = {}

    def __init__(self, function: Function, *, region: str = "eu-west-1", request_id: str | None = None) -> None:
        thread = threading.current_thread().name
        key = (function.logical_id, function.memory_mb, region, thread)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = {
                "function_name": function.logical_id,
                "function_version": "$LATEST",
                "invoked_function_arn": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function.logical_id}",
                "memory_limit_in_mb": function.memory_mb,
                "log_group_name": f"/aws/lambda/{function.logical_id}",
                "log_stream_name": f"local/[$LATEST]{thread}",
            }
        self.__dict__.update(known)
        self._request_id = request_id
        self._deadline = time.monotonic() + function.timeout_seconds

    @property
    def aws_request_id(self) -> str:
        if self._request_id is None:
            self._request_id = str(uuid.uuid4())
        return self._request_id

    @aws_request_id.setter
    def aws_request_id(self, value: str) -> None:
        self._request_id = value

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Deadlines:
    """The timeouts of one function's invocations, with one timer for all of them (`asyncio.timeout` sets one per
    invocation: ~5 µs, 2 % of a cached read through the gateway).

    Invocations of a function share its timeout, so they time out in the order they started: the oldest one
    still running is the next to, and the timer is set for it alone. One that times out has its task cancelled,
    as `asyncio.timeout` does; `end` says whether it timed out and takes that cancellation back.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._running: dict[object, tuple[float, asyncio.Task[Any], int]] = {}  # in the order they started
        self._expired: dict[object, int] = {}  # the task's cancellations before its own
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> object:
        """An invocation starts in the current task: its deadline is `seconds` from now."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        if task is None:
            raise RuntimeError("an invocation runs in a task")
        if loop is not self._loop:  # a new loop: the old one's invocations and timer went with it
            self._loop, self._timer = loop, None
            self._running.clear()
            self._expired.clear()
        invocation = object()
        deadline = loop.time() + self.seconds
        self._running[invocation] = (deadline, task, task.cancelling())
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._expire)
        return invocation

    def end(self, invocation: object) -> bool:
        """The invocation is over: whether it ran out of time, its cancellation then taken back (False when
        its task was also cancelled by someone else: that cancellation is not the deadline's to swallow)."""
        if self._running.pop(invocation, None) is not None:
            return False
        cancelling = self._expired.pop(invocation)
        task = asyncio.current_task()
        return task is None or task.uncancel() <= cancelling

    def _expire(self) -> None:
        assert self._loop is not None
        self._timer = None
        now = self._loop.time()
        for invocation, (deadline, task, cancelling) in list(self._running.items()):
            if deadline > now:
                self._timer = self._loop.call_at(deadline, self._expire)
                return
            del self._running[invocation]
            self._expired[invocation] = cancelling
            task.cancel()


class FunctionError(Exception):
    """The function could not run to completion (import error, crash, timeout): a 500 at the gateway."""


class Registry:
    """Handlers are imported on their first invocation (a cold start, like Lambda's) and kept."""

    def __init__(self) -> None:
        self._handlers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def load(self, function: Function) -> Any:
        handler = self._handlers.get(function.logical_id)
        if handler is None:
            with self._lock:
                handler = self._handlers.get(function.logical_id)
                if handler is None:
                    handler = self._handlers[function.logical_id] = import_handler(function)
                    # What a function's import made lives as long as the process: out of the collector's way.
                    gc.freeze()
        return handler


def import_handler(function: Function) -> Any:
    try:
        module = importlib.import_module(function.module)
        return getattr(module, function.attribute)
    except Exception as exc:
        raise FunctionError(f"{function.logical_id}: cannot import {function.module}.{function.attribute}: "
                            f"{exc.__class__.__name__}: {exc}") from exc


class ExecutionEnvironment:
    """One thread with its own event loop, serving one invocation at a time (its DB/Redis clients are its own)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name, initializer=self._boot)

    def _boot(self) -> None:
        # The sync handler runs its own loop (Mangum: run_until_complete); a thread has none by default.
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)

    def submit(self, call: Callable[[], Any]) -> asyncio.Future[Any]:
        return asyncio.wrap_future(self.executor.submit(call))

    async def close(self) -> None:
        if self.loop is not None:
            await self.submit(self._close_loop)
        self.executor.shutdown(wait=False)

    def _close_loop(self) -> None:
        assert self.loop is not None
        self.loop.run_until_complete(release_clients())
        self.loop.close()
        asyncio.set_event_loop(None)
        self.loop = None


async def release_clients() -> None:
    """Close the running loop's database engine and cache client (the end of an execution environment)."""
    from shared.core import cache, db

    await db.dispose_all()
    await cache.close()


class Runtime(abc.ABC):
    """Runs a function for an event and returns what its handler returned."""

    mode: Mode

    def __init__(self, *, region: str = "eu-west-1") -> None:
        self.registry = Registry()
        self.region = region

    def context(self, function: Function) -> LambdaContext:
        return LambdaContext(function, region=self.region)

    @abc.abstractmethod
    async def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        """Run `function`'s handler for `event` the way this mode does."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class InprocessRuntime(Runtime):
    """Mangum's translation, awaited on the gateway's own loop: no thread hop, no extra loop."""

    mode: Mode = "inprocess"

    def __init__(self, *, region: str = "eu-west-1") -> None:
        super().__init__(region=region)
        self._jobs: dict[str, ExecutionEnvironment] = {}
        self._deadlines: dict[str, Deadlines] = {}

    async def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        handler = self.registry.load(function)
        context = self.context(function)
        deadlines = self._deadlines.get(function.logical_id)
        if deadlines is None:
            deadlines = self._deadlines[function.logical_id] = Deadlines(function.timeout_seconds)
        invocation = deadlines.start()
        try:
            result = await self._call(handler, event, context)
        except asyncio.CancelledError:
            if deadlines.end(invocation):  # the cancellation was the deadline's
                raise FunctionError(f"{function.logical_id}: task timed out after {function.timeout_seconds:g} seconds")
            raise
        except BaseException:
            deadlines.end(invocation)
            raise
        # Mangum's HTTP cycle swallows the cancellation and answers 500 itself: ask the deadline.
        if deadlines.end(invocation):
            raise FunctionError(f"{function.logical_id}: task timed out after {function.timeout_seconds:g} seconds")
        return result

    async def _call(self, handler: Any, event: dict[str, Any], context: LambdaContext) -> Any:
        if isinstance(handler, Mangum):
            return await _run_mangum(handler, event, context)
        if inspect.iscoroutinefunction(handler):
            return await handler(event, context)
        # A plain sync handler (a job) would block or re-enter this loop: it runs on a thread of its function's own,
        # one invocation at a time, as in a Lambda environment, and never waits behind another function's job
        # (a minute's expiries must not hold up the e-mails of the bookings made meanwhile).
        return await self._job_environment(context.function_name).submit(lambda: handler(event, context))

    def _job_environment(self, function: str) -> ExecutionEnvironment:
        environment = self._jobs.get(function)
        if environment is None:
            environment = self._jobs[function] = ExecutionEnvironment(f"lambda-{function}")
        return environment

    async def stop(self) -> None:
        await asyncio.gather(*(environment.close() for environment in self._jobs.values()))
        await release_clients()


class _HTTPGateway(HTTPGateway):
    """Mangum's v2 translation, with the ASGI scope built once (the base class rebuilds it on every access)."""

    @functools.cached_property
    def scope(self) -> Scope:
        return super().scope


async def _run_mangum(handler: Mangum, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Mangum.__call__ without its run_until_complete: infer, run the HTTP cycle, translate back."""
    lambda_handler: LambdaHandler
    if not handler.custom_handlers and _HTTPGateway.infer(event, context, handler.config):
        lambda_handler = _HTTPGateway(event, context, handler.config)
    else:
        lambda_handler = handler.infer(event, context)
    cycle = HTTPCycle(lambda_handler.scope, lambda_handler.body)
    await cycle.run(handler.app)
    result: dict[str, Any] = lambda_handler({"status": cycle.status, "headers": cycle.headers, "body": cycle.body})
    return result


class IsolatedRuntime(Runtime):
    """A pool of warm execution environments calling the real synchronous `handler(event, context)`."""

    mode: Mode = "isolated"

    def __init__(self, workers: int = 4, *, region: str = "eu-west-1") -> None:
        super().__init__(region=region)
        if workers < 1:
            raise ValueError("an isolated gateway needs at least one execution environment")
        self.environments = [ExecutionEnvironment(f"lambda-env-{index}") for index in range(workers)]
        self._idle: asyncio.LifoQueue[ExecutionEnvironment] | None = None

    async def start(self) -> None:
        self._idle = asyncio.LifoQueue()
        for environment in reversed(self.environments):
            self._idle.put_nowait(environment)

    async def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        if self._idle is None:
            await self.start()
        assert self._idle is not None
        idle = self._idle
        environment = await idle.get()  # LIFO: the most recently used environment is the warmest
        context = self.context(function)

        def call() -> Any:
            handler = self.registry.load(function)
            result = handler(event, context)
            if inspect.iscoroutine(result):  # an `async def` handler: what the inprocess mode accepts too
                assert environment.loop is not None
                result = environment.loop.run_until_complete(result)
            return result

        future = environment.submit(call)
        future.add_done_callback(lambda _: idle.put_nowait(environment))
        try:
            # shield: a timed-out invocation keeps its environment busy until it really ends, as on Lambda.
            return await asyncio.wait_for(asyncio.shield(future), function.timeout_seconds)
        except TimeoutError:
            raise FunctionError(f"{function.logical_id}: task timed out after {function.timeout_seconds:g} seconds")

    async def stop(self) -> None:
        await asyncio.gather(*(environment.close() for environment in self.environments))


def create_runtime(mode: str, *, workers: int = 4, region: str = "eu-west-1") -> Runtime:
    if mode == "inprocess":
        return InprocessRuntime(region=region)
    if mode == "isolated":
        return IsolatedRuntime(workers, region=region)
    raise ValueError(f"Unknown gateway mode {mode!r} (choose from {', '.join(MODES)})")
