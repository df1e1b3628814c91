"""Schemathesis over every operation of the OpenAPI document, through the local gateway, as three callers.

Each operation gets the examples, coverage and fuzzing phases of a derandomized run (the same requests on
every run with the pinned schemathesis), sent anonymously, as a user and as an admin. A response fails when
it is a server error, a non-2xx that is not problem+json, a status, header or body the document does not
declare, or a 2xx to data the document calls invalid. The summary (cases and failures per check) is printed
at the end; bench/README.md ("Fuzzing") says how to run it alone.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis import checks as core_checks
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from local_gateway import openapi
from shared.core import aws as aws_clients
from shared.core import uploads
from tests.e2e.conftest import Gateway, serve
from tests.support.accounts import create_account
from tests.support.builders import DEFAULT_PASSWORD

EXAMPLES = 12  # per operation and caller, in the fuzzing phase (the coverage phase adds its own)
CHECKS = [
    core_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]

SUMMARY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def gateway(database_url: str, moto_server: str) -> Iterator[Gateway]:
    # Failed logins and registrations from one address are what the fuzzer sends most: the limits are tested
    # elsewhere (a 429 here would still have to be a declared, well-formed problem).
    aws = {"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "eu-west-1"}
    with serve("inprocess", LOGIN_MAX_FAILURES="1000000", REGISTER_MAX_PER_IP="1000000", **aws) as running:
        aws_clients.reset()
        uploads.ensure_bucket()
        yield running
    aws_clients.reset()


class Callers:
    """An access token per caller, replaced when the fuzzer ends its session (logout, password, deletion)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "anonymous":
            return {}
        with self.lock:
            if caller not in self.tokens:
                self.tokens[caller] = self._sign_in(caller)
            return {"Authorization": f"Bearer {self.tokens[caller]}"}

    def forget(self, caller: str) -> None:
        with self.lock:
            self.tokens.pop(caller, None)

    def _sign_in(self, caller: str) -> str:
        email = f"fuzz-{caller}-{uuid.uuid4().hex[:12]}@example.com"
        create_account(email, caller)
        reply = httpx.post(f"{self.gateway.url}/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD})
        assert reply.status_code == 200, reply.text
        return str(reply.json()["access_token"])


@pytest.fixture(scope="module")
def callers(gateway: Gateway) -> Callers:
    return Callers(gateway)


# The committed document (a contract test keeps it current), as the gateway serves it at /v1/openapi.json.
schema = schemathesis.openapi.from_path(openapi.OUTPUT)


SETTINGS = hypothesis.settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                               suppress_health_check=list(hypothesis.HealthCheck))


def answers_as_documented(case: Any, caller: str, callers: Callers) -> None:
    headers = callers.headers(caller)
    response = case.call(base_url=callers.gateway.url, headers=headers, timeout=30)
    if response.status_code == 401 and headers:
        callers.forget(caller)  # this case ended the session (or the account): the next one signs in again
    SUMMARY["cases"] += 1
    SUMMARY[f"status {response.status_code // 100}xx"] += 1
    for check in CHECKS:
        try:
            case.validate_response(response, checks=[check], headers=headers)
        except (AssertionError, FailureGroup):
            SUMMARY[f"failed {check.__name__}"] += 1
            raise
        SUMMARY[f"passed {check.__name__}"] += 1


@pytest.mark.slow
@schema.parametrize()
@SETTINGS
def test_anonymous(case: Any, callers: Callers) -> None:
    answers_as_documented(case, "anonymous", callers)


@pytest.mark.slow
@schema.parametrize()
@SETTINGS
def test_as_a_user(case: Any, callers: Callers) -> None:
    answers_as_documented(case, "user", callers)


@pytest.mark.slow
@schema.parametrize()
@SETTINGS
def test_as_an_admin(case: Any, callers: Callers) -> None:
    answers_as_documented(case, "admin", callers)


def test_zz_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a check: prints what the run above did (pytest -s shows it), for bench/results/fuzz.md."""
    with capsys.disabled():
        print("\nfuzz summary:", ", ".join(f"{key}: {value}" for key, value in sorted(SUMMARY.items())))
