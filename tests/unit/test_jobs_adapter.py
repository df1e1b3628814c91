"""The adapters of scheduled and queue-triggered functions, with jobs that touch nothing: loops, outcomes, logs."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from local_gateway import events
from shared.core import jobs, metrics
from shared.core.uow import UnitOfWork
from tests.support.invoke import LambdaContext

T = TypeVar("T")
loops: list[asyncio.AbstractEventLoop] = []
units: list[UnitOfWork] = []


async def unit_tidy_up(uow: UnitOfWork) -> int:
    """Tidy three things up."""
    loops.append(asyncio.get_running_loop())
    return 3


async def unit_broken(uow: UnitOfWork) -> int:
    raise RuntimeError("the database is on fire")


async def unit_picky(uow: UnitOfWork, record: dict[str, Any]) -> None:
    units.append(uow)
    if record["body"] == "bad":
        raise ValueError("not for me")
    if record["body"] == "later":
        raise jobs.RetryLater("the receiver is down")


async def unit_batch(uow: UnitOfWork, records: list[dict[str, Any]]) -> dict[str, BaseException]:
    units.append(uow)
    if any(record["body"] == "fire" for record in records):
        raise RuntimeError("the database is on fire")
    return {record["messageId"]: jobs.RetryLater("the receiver is down") for record in records
            if record["body"] == "later"}


def _in_a_thread(call: Callable[[], T]) -> T:
    """A thread with no event loop, as Lambda's runtime calls a handler."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(call).result()


def _sample(name: str, labels: dict[str, str]) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0


def _job_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if '"msg":"job"' in line]


def test_a_scheduled_job_runs_on_a_loop_that_outlives_the_invocation(capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.scheduled_handler(unit_tidy_up)
    event = events.scheduled_event("local-TidyUp")
    loops.clear()

    def twice() -> list[dict[str, Any]]:
        return [handler(event, LambdaContext()), handler(event, LambdaContext())]

    results = _in_a_thread(twice)
    _in_a_thread(lambda: handler(event, LambdaContext()))

    assert results == [{"function": "unit_tidy_up", "processed": 3}] * 2
    assert loops[0] is loops[1] and loops[2] is not loops[0]  # one loop per environment, kept warm
    assert handler.__doc__ == "Tidy three things up."
    assert _sample("tourbook_job_runs_total", {"function": "unit_tidy_up", "outcome": "ok"}) == 3
    assert _sample("tourbook_job_items_total", {"function": "unit_tidy_up", "outcome": "ok"}) == 9
    assert _sample("tourbook_job_duration_seconds_count", {"function": "unit_tidy_up"}) == 3
    assert _sample("tourbook_cold_starts_total", {"function": "unit_tidy_up"}) == 1
    lines = _job_lines(capsys.readouterr().out)
    assert [line["cold_start"] for line in lines] == [True, False, False]
    assert lines[0] | {"duration_ms": 0} == {
        "level": "info", "logger": "tourbook.access", "msg": "job", "request_id": "test-request",
        "function": "unit_tidy_up", "trigger": "schedule", "outcome": "ok", "processed": 3, "failed": 0,
        "duration_ms": 0, "cold_start": True,
    }


def test_a_failing_job_raises_for_lambda_to_retry_and_is_logged(capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.scheduled_handler(unit_broken)

    with pytest.raises(RuntimeError, match="on fire"):
        _in_a_thread(lambda: handler(events.scheduled_event("local-Broken"), LambdaContext()))

    assert _sample("tourbook_job_runs_total", {"function": "unit_broken", "outcome": "error"}) == 1
    (line,) = _job_lines(capsys.readouterr().out)
    assert line["level"] == "error" and line["outcome"] == "error" and line["error"] == "RuntimeError"
    assert "the database is on fire" in line["traceback"]


def test_a_queue_consumer_reports_only_the_records_that_failed(capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.queue_handler(unit_picky)
    records = [events.sqs_record(body, queue_arn="arn:aws:sqs:eu-west-1:000000000000:q", message_id=message_id)
               for body, message_id in (("good", "m-1"), ("bad", "m-2"), ("good", "m-3"), ("later", "m-4"))]
    units.clear()

    result = _in_a_thread(lambda: handler(events.sqs_event(records), LambdaContext()))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-4"}]}
    assert len({id(unit) for unit in units}) == 4  # a unit of work per record
    assert _sample("tourbook_job_runs_total", {"function": "unit_picky", "outcome": "partial"}) == 1
    assert _sample("tourbook_job_items_total", {"function": "unit_picky", "outcome": "failed"}) == 2
    output = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (line,) = [line for line in output if line["msg"] == "job"]
    assert line["trigger"] == "sqs" and line["processed"] == 2 and line["failed"] == 2
    unexpected, known = [line for line in output if line["msg"].startswith("record failed")]
    assert unexpected["level"] == "error" and unexpected["message_id"] == "m-2" and "traceback" in unexpected
    assert known == {"level": "warning", "logger": "tourbook.jobs", "msg": "record failed: the receiver is down",
                     "function": "unit_picky", "message_id": "m-4"}


def test_an_empty_batch_is_a_success() -> None:
    handler = jobs.queue_handler(unit_picky)

    assert _in_a_thread(lambda: handler({"Records": []}, LambdaContext())) == {"batchItemFailures": []}


def _batch(*bodies: str) -> dict[str, Any]:
    return events.sqs_event([events.sqs_record(body, queue_arn="arn:aws:sqs:eu-west-1:000000000000:q",
                                               message_id=f"m-{number}") for number, body in enumerate(bodies, 1)])


def test_a_batch_consumer_handles_the_batch_in_one_unit_of_work_and_reports_what_it_returns(
        capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.batch_queue_handler(unit_batch)
    units.clear()

    result = _in_a_thread(lambda: handler(_batch("good", "later", "good"), LambdaContext()))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert len(units) == 1
    assert _sample("tourbook_job_runs_total", {"function": "unit_batch", "outcome": "partial"}) == 1
    assert _sample("tourbook_job_items_total", {"function": "unit_batch", "outcome": "ok"}) == 2
    output = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line for line in output if line["msg"].startswith("record failed")] == [{
        "level": "warning", "logger": "tourbook.jobs", "msg": "record failed: the receiver is down",
        "function": "unit_batch", "message_id": "m-2"}]


def test_a_batch_consumer_that_raises_fails_every_record_and_logs_it_once(capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.batch_queue_handler(unit_batch)

    result = _in_a_thread(lambda: handler(_batch("good", "fire", "good"), LambdaContext()))

    assert result == {"batchItemFailures": [{"itemIdentifier": f"m-{number}"} for number in (1, 2, 3)]}
    assert _sample("tourbook_job_runs_total", {"function": "unit_batch", "outcome": "error"}) == 1
    output = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (failed,) = [line for line in output if "failed" in line["msg"] and line["msg"] != "job"]
    assert failed["msg"] == "batch failed" and failed["level"] == "error" and failed["records"] == 3
    assert "the database is on fire" in failed["traceback"]
    assert _in_a_thread(lambda: handler({"Records": []}, LambdaContext())) == {"batchItemFailures": []}
