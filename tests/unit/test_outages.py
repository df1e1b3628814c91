"""A dependency that refuses, drops or times out is a 503 with Retry-After (jobs: a warning), never a 500.

The exceptions are built as SQLAlchemy's asyncpg dialect hands them over: the driver's error, translated
to the dialect's DB-API error, wrapped in SQLAlchemy's `DBAPIError` (or one of its subclasses).
"""
from __future__ import annotations

import json
from typing import Any

import asyncpg.exceptions
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi as dbapi

from local_gateway import events
from shared.core import http, jobs, metrics, outages
from shared.core.uow import UnitOfWork
from tests.support.invoke import LambdaContext, invoke


def _wrapped(driver_error: Exception, translated: type[Exception] = dbapi.Error,
             *, connection_invalidated: bool = False) -> sa_exc.StatementError:
    """What a statement or a connect raises through SQLAlchemy when asyncpg raised `driver_error`."""
    error = translated(str(driver_error), driver_error)
    error.__cause__ = driver_error
    return sa_exc.DBAPIError.instance("SELECT 1", None, error, dbapi.Error,
                                      connection_invalidated=connection_invalidated)


OUTAGES: dict[str, BaseException] = {
    "shutting down": _wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")),
    "starting up": _wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")),
    "terminated by an administrator": _wrapped(
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")),
    "crashed": _wrapped(asyncpg.exceptions.CrashShutdownError("terminating connection because of crash")),
    "too many connections": _wrapped(
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")),
    "a standby after a failover": _wrapped(asyncpg.exceptions.ReadOnlySQLTransactionError(
        "cannot execute INSERT in a read-only transaction")),
    "dropped mid-statement": _wrapped(asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation")),
    "used after it closed": _wrapped(asyncpg.exceptions.InterfaceError(
        "cannot perform operation: connection is closed"), dbapi.InterfaceError),
    "refused": ConnectionRefusedError(111, "Connect call failed"),
    "no socket": FileNotFoundError(2, "No such file or directory"),
    "connect timed out": TimeoutError(),
    "no pooled connection came free": sa_exc.TimeoutError("QueuePool limit of size 1 overflow 1 reached"),
    "invalidated": _wrapped(OverflowError("gone"), connection_invalidated=True),
}
BUGS: dict[str, BaseException] = {
    "a unique violation": _wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key"), dbapi.IntegrityError),
    "a NUL in a string": _wrapped(asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence"),
                                  dbapi.DataError),
    "an integer out of range": _wrapped(asyncpg.exceptions.NumericValueOutOfRangeError("integer out of range"),
                                        dbapi.DataError),
    "a syntax error": _wrapped(asyncpg.exceptions.PostgresSyntaxError("syntax error"), dbapi.ProgrammingError),
    "a busy connection": _wrapped(asyncpg.exceptions.InterfaceError(
        "cannot perform operation: another operation is in progress"), dbapi.InterfaceError),
    "a plain bug": KeyError("price"),
}
raised: list[BaseException] = []


async def fail(request: http.Request) -> http.Response:
    """Fail with whatever the test put in `raised`."""
    raise raised[0]


@pytest.fixture
def failing() -> Any:
    def run(error: BaseException) -> Any:
        raised[:] = [error]
        return invoke(http.lambda_handler(fail), "GET", "/v1/fail")
    return run


@pytest.mark.parametrize("error", OUTAGES.values(), ids=OUTAGES.keys())
def test_an_outage_is_503_unavailable_with_retry_after(failing: Any, error: BaseException) -> None:
    assert outages.is_outage(error)
    reply = failing(error)
    assert reply.status == 503
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["retry-after"] == "5"
    problem = reply.json()
    assert (problem["status"], problem["code"]) == (503, "unavailable")


@pytest.mark.parametrize("error", BUGS.values(), ids=BUGS.keys())
def test_a_bug_stays_a_500(failing: Any, error: BaseException) -> None:
    assert not outages.is_outage(error)
    reply = failing(error)
    assert reply.status == 500 and reply.json()["code"] == "internal_error"
    assert "retry-after" not in reply.headers


def test_an_outage_raised_while_handling_another_error_is_still_found() -> None:
    try:
        try:
            raise OUTAGES["shutting down"]
        except sa_exc.DBAPIError as error:
            raise sa_exc.StatementError("while flushing", None, None, error) from error
    except sa_exc.StatementError as error:
        assert outages.is_outage(error)


async def unit_no_database(uow: UnitOfWork) -> int:
    raise OUTAGES["shutting down"]


def test_a_job_that_meets_an_outage_raises_and_logs_a_warning_without_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.scheduled_handler(unit_no_database)

    with pytest.raises(sa_exc.StatementError):
        handler(events.scheduled_event("local-NoDatabase"), LambdaContext())

    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"msg":"job"' in line]
    assert line["level"] == "warning" and line["outcome"] == "error" and line["error"] == "DBAPIError"
    assert "traceback" not in line
    assert metrics.REGISTRY.get_sample_value(
        "tourbook_job_runs_total", {"function": "unit_no_database", "outcome": "error"}) == 1


processed: list[str] = []


async def unit_consume(uow: UnitOfWork, record: dict[str, Any]) -> None:
    processed.append(record["messageId"])
    if record["body"] == "down":
        raise OUTAGES["refused"]


def test_a_queue_consumer_stops_at_an_outage_and_hands_the_rest_back(capsys: pytest.CaptureFixture[str]) -> None:
    handler = jobs.queue_handler(unit_consume)
    records = [events.sqs_record(body, queue_arn="arn:aws:sqs:eu-west-1:000000000000:q", message_id=message_id)
               for body, message_id in (("fine", "m-1"), ("down", "m-2"), ("fine", "m-3"), ("fine", "m-4"))]
    processed.clear()

    result = handler(events.sqs_event(records), LambdaContext())

    assert processed == ["m-1", "m-2"]  # the records after the outage were not tried against it
    assert result == {"batchItemFailures": [{"itemIdentifier": f"m-{n}"} for n in (2, 3, 4)]}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (failed,) = [line for line in lines if line["msg"].startswith("record failed")]
    assert failed["level"] == "warning" and failed["message_id"] == "m-2" and "traceback" not in failed


class _BrokenOnClose:
    """A session whose connection the driver left mid-operation: closing it raises, as asyncpg's does."""

    def __init__(self) -> None:
        self.invalidated = False

    async def close(self) -> None:
        raise RuntimeError("cannot switch to state 15; another operation (2) is in progress")

    async def invalidate(self) -> None:
        self.invalidated = True


async def test_a_connection_that_fails_while_closing_is_discarded_and_fails_nothing() -> None:
    """Seen under `pg_ctl stop -m smart`: the rollback of a request that already had its 503 raised in close."""
    from shared.core.uow import UnitOfWork

    unit, session = UnitOfWork(), _BrokenOnClose()
    unit._session = session  # type: ignore[assignment]
    await unit.close()
    assert session.invalidated
    await unit.close()  # closed once; a second close has nothing to do
