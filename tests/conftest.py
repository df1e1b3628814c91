"""Shared fixtures: settings for tests, a migrated database, per-test rollback, builders."""
from __future__ import annotations

import os

os.environ.update(
    ENVIRONMENT="test",
    BCRYPT_ROUNDS="4",
    JWT_SECRET="test-secret-0123456789-0123456789-abcdef",
    METRICS_PUSH_INTERVAL_SECONDS="0",
)
for _name in ("DATABASE_URL", "REDIS_URL", "PUSHGATEWAY_URL", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
# Tours in the shared test database may have images (the demo pictures a gateway test loads): reading them
# signs URLs, which needs credentials, though never a network call.
os.environ.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

from collections.abc import AsyncIterator, Iterator  # noqa: E402

import pytest  # noqa: E402

from shared.core import cache, db, metrics  # noqa: E402
from shared.core.settings import reset_settings  # noqa: E402
from shared.core.uow import UnitOfWork  # noqa: E402
from tests import services  # noqa: E402


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = services.database_url()
    os.environ["DATABASE_URL"] = url
    reset_settings()
    from tests.support.database import migrate

    migrate(url)
    yield url


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    """Each test starts with the default settings, an empty in-process cache and no pusher."""
    saved = dict(os.environ)
    reset_settings()
    cache.reset()
    metrics.reset_pusher()
    yield
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()
    cache.reset()
    metrics.reset_pusher()


@pytest.fixture
async def uow(database_url: str) -> AsyncIterator[UnitOfWork]:
    """A unit of work whose commits are savepoints inside one transaction rolled back at the end."""
    async with db.get_engine().connect() as connection:
        transaction = await connection.begin()
        token = db.bind_connection(connection)
        try:
            async with UnitOfWork() as unit:
                yield unit
        finally:
            db.unbind(token)
            await transaction.rollback()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server on loopback (S3, SQS), as the run command starts one."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_server: str) -> Iterator[str]:
    """AWS clients pointed at moto, with the uploads bucket in place."""
    from shared.core import aws as aws_clients
    from shared.core import uploads

    os.environ.update(AWS_ENDPOINT_URL=moto_server, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                      AWS_DEFAULT_REGION="eu-west-1")
    reset_settings()
    aws_clients.reset()
    uploads.ensure_bucket()
    yield moto_server
    aws_clients.reset()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly which tests a missing real service skipped, and the one command that runs them all."""
    skipped = [
        report for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and "is not reachable" in report.longrepr[2]
    ]
    if not skipped:
        return
    reasons = sorted({report.longrepr[2].removeprefix("Skipped: ") for report in skipped})
    terminalreporter.section(f"{len(skipped)} tests skipped: a real service is not running", sep="!", red=True,
                             bold=True)
    for reason in reasons:
        terminalreporter.write_line(f"  {reason}", red=True)
    terminalreporter.write_line("Run every tier against real PostgreSQL, Redis and the Pushgateway with one command "
                                "(as root; it installs and starts them on 127.0.0.1): bash .ci/run", bold=True)
