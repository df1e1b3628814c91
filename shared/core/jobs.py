"""Adapters for the functions that are not HTTP: scheduled jobs and SQS consumers.

They do for a job what `http.lambda_handler` does for an endpoint: run the coroutine on the execution
environment's event loop (kept across invocations, like Mangum's, since engines and clients are per
loop), give it a unit of work that is closed afterwards, count, time and log the invocation, and push
metrics. A scheduled job's error propagates (Lambda retries an asynchronous invocation); a queue
consumer reports the records that failed as `batchItemFailures` (the event source mapping's partial
batch response, `FunctionResponseTypes: [ReportBatchItemFailures]`), so only those are received again.
A consumer handles each record in a unit of work of its own (`queue_handler`), or the whole batch in one
(`batch_queue_handler`: a query for ten records instead of ten queries, where the records allow it).
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from shared.core import logs, metrics, outages, snapstart
from shared.core.uow import UnitOfWork

__all__ = ["scheduled_handler", "queue_handler", "batch_queue_handler", "event_handler", "RetryLater", "Job",
           "RecordProcessor", "BatchProcessor", "EventProcessor", "LambdaHandler"]

logger = logging.getLogger("tourbook.jobs")
Job = Callable[[UnitOfWork], Awaitable[int]]  # returns how many rows it processed
RecordProcessor = Callable[[UnitOfWork, dict[str, Any]], Awaitable[None]]  # raises when the record failed
# The batch's records in one unit of work; returns those that failed ({message id: why}), raises if all did.
BatchProcessor = Callable[[UnitOfWork, list[dict[str, Any]]], Awaitable[dict[str, BaseException]]]
EventProcessor = Callable[[UnitOfWork, dict[str, Any]], Awaitable[int]]  # one event, how many items it made
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


class RetryLater(Exception):
    """A record that failed for a known, passing reason (a webhook that is down): logged without a traceback."""


def scheduled_handler(job: Job) -> LambdaHandler:
    """A Lambda handler that runs `job` (named after it) with a fresh unit of work on each invocation."""

    async def work(uow: UnitOfWork, event: dict[str, Any]) -> int:
        return await job(uow)

    return _one_unit(job.__name__, job.__doc__, work, trigger="schedule")


def event_handler(process: EventProcessor) -> LambdaHandler:
    """A Lambda handler for one EventBridge event (an S3 upload): like a scheduled job, but it reads the event.

    An error propagates, so Lambda retries the asynchronous invocation (the rule's retry policy)."""
    return _one_unit(process.__name__, process.__doc__, process, trigger="event")


def _one_unit(name: str, doc: str | None, work: EventProcessor, *, trigger: str) -> LambdaHandler:
    """`work` in a unit of work of its own per invocation, counted by what it processed; an error propagates."""
    logs.configure()
    snapstart.install()

    async def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started, cold_start = _begin(name)
        try:
            async with UnitOfWork() as uow:
                processed = await work(uow, event)
        except Exception as exc:
            _finish(name, context, started, cold_start, "error", 0, 0, trigger=trigger, error=exc)
            raise
        _finish(name, context, started, cold_start, "ok", processed, 0, trigger=trigger)
        return {"function": name, "processed": processed}

    return _lambda(name, doc, run)


def queue_handler(process: RecordProcessor) -> LambdaHandler:
    """A Lambda handler for SQS events: each record in its own unit of work, failures reported by message id."""
    logs.configure()
    snapstart.install()
    name = process.__name__

    async def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started, cold_start = _begin(name)
        failures: list[dict[str, str]] = []
        records: list[dict[str, Any]] = event.get("Records") or []
        outage: BaseException | None = None
        for record in records:
            message_id = str(record.get("messageId", ""))
            if outage is not None:  # the rest would meet the same outage: they are received again later
                failures.append({"itemIdentifier": message_id})
                continue
            try:
                async with UnitOfWork() as uow:
                    await process(uow, record)
            except Exception as exc:
                if _log_failure(name, message_id, exc):
                    outage = exc
                failures.append({"itemIdentifier": message_id})
        return _reported(name, context, started, cold_start, records, failures)

    return _lambda(name, process.__doc__, run)


def batch_queue_handler(process: BatchProcessor) -> LambdaHandler:
    """A Lambda handler for SQS events handled a batch at a time: one unit of work for all its records; the records
    `process` returns are reported as failures, and all of them when it raises (logged once, for the batch)."""
    logs.configure()
    snapstart.install()
    name = process.__name__

    async def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started, cold_start = _begin(name)
        records: list[dict[str, Any]] = event.get("Records") or []
        failed: dict[str, BaseException] = {}
        if records:
            try:
                async with UnitOfWork() as uow:
                    failed = await process(uow, records)
            except Exception as exc:
                _log_failure(name, None, exc, records=len(records))
                failed = {str(record.get("messageId", "")): exc for record in records}
            else:
                for message_id, error in failed.items():
                    _log_failure(name, message_id, error)
        failures = [{"itemIdentifier": str(record.get("messageId", ""))} for record in records
                    if str(record.get("messageId", "")) in failed]
        return _reported(name, context, started, cold_start, records, failures)

    return _lambda(name, process.__doc__, run)


def _log_failure(name: str, message_id: str | None, exc: BaseException, *, records: int = 1) -> bool:
    """Log why a record (or, without a message id, a whole batch) failed; whether a dependency was away."""
    extra: dict[str, Any] = {"function": name}
    extra |= {"message_id": message_id} if message_id is not None else {"records": records}
    what = "record" if message_id is not None else "batch"
    if outages.is_outage(exc):
        logger.warning("%s failed, a dependency is unavailable: %s", what, exc.__class__.__name__, extra=extra)
        return True
    if isinstance(exc, RetryLater):
        logger.warning("%s failed: %s", what, exc, extra=extra)
    else:
        logger.error("%s failed", what, exc_info=exc, extra=extra)
    return False


def _reported(name: str, context: Any, started: float, cold_start: bool, records: list[dict[str, Any]],
              failures: list[dict[str, str]]) -> dict[str, Any]:
    outcome = "ok" if not failures else "partial" if len(failures) < len(records) else "error"
    _finish(name, context, started, cold_start, outcome, len(records) - len(failures), len(failures), trigger="sqs")
    return {"batchItemFailures": failures}


def _lambda(name: str, doc: str | None, run: Callable[[dict[str, Any], Any], Awaitable[dict[str, Any]]]
            ) -> LambdaHandler:
    """Lambda's synchronous entry point for `run`, on the thread's kept loop, named after the job."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return _event_loop().run_until_complete(run(event, context))

    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = doc
    return handler


def _event_loop() -> asyncio.AbstractEventLoop:
    """The thread's loop, created once and kept (as Mangum does): engines and clients live on it."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def _begin(name: str) -> tuple[float, bool]:
    metrics.current_function.set(name)
    return time.perf_counter(), metrics.first_invocation(name)


def _finish(name: str, context: Any, started: float, cold_start: bool, outcome: str, processed: int, failed: int,
            *, trigger: str, error: BaseException | None = None) -> None:
    elapsed = time.perf_counter() - started
    metrics.JOB_RUNS.labels(name, outcome).inc()
    metrics.JOB_DURATION.labels(name).observe(elapsed)
    if processed:
        metrics.JOB_ITEMS.labels(name, "ok").inc(processed)
    if failed:
        metrics.JOB_ITEMS.labels(name, "failed").inc(failed)
    line = {
        "request_id": getattr(context, "aws_request_id", None) or str(uuid.uuid4()), "function": name,
        "trigger": trigger, "outcome": outcome, "processed": processed, "failed": failed,
        "duration_ms": round(elapsed * 1000, 2), "cold_start": cold_start,
    }
    if error is None:
        logs.access_log.info("job", extra=line)
    elif outages.is_outage(error):  # not a bug: no traceback, and the next run (or retry) catches up
        logs.access_log.warning("job", extra=line | {"error": error.__class__.__name__})
    else:
        logs.access_log.error("job", exc_info=error, extra=line)
    metrics.after_invocation(name)
