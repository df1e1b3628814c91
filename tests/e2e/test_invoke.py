"""`python -m local_gateway invoke`: one function, one event file, like `sam local invoke` without Docker."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from local_gateway import events
from tests.e2e.test_auth_journeys import PASSWORD, unique_email
from tests.services import ROOT


Outcome = tuple[int, dict[str, Any] | None, str]


def invoke_all(*invocations: tuple[str, ...], **environment: str) -> list[Outcome]:
    """Run `python -m local_gateway invoke ...` for each argument tuple, at the same time."""
    processes = [
        subprocess.Popen([sys.executable, "-m", "local_gateway", "invoke", *args], cwd=ROOT, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **environment})
        for args in invocations
    ]
    outcomes = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=60)
        outcomes.append((process.returncode, json.loads(stdout) if stdout.strip() else None, stderr))
    return outcomes


def invoke(*args: str, **environment: str) -> Outcome:
    return invoke_all(args, **environment)[0]


def test_health_from_its_sample_event(database_url: str) -> None:
    code, result, stderr = invoke("GetHealthFunction", "--event", "events/get_health.json")

    assert code == 0, stderr
    assert result is not None and result["statusCode"] == 200
    assert json.loads(result["body"])["checks"]["database"] == "ok"
    assert '"function":"get_health"' in stderr  # the function's logs go to stderr, the result to stdout


def test_me_as_an_existing_user(database_url: str, tmp_path: Path) -> None:
    email = unique_email()
    register_event = tmp_path / "register.json"
    register_event.write_text(json.dumps(events.http_event(
        "POST", "/v1/auth/register", route_key="POST /v1/auth/register",
        headers=[("content-type", "application/json")],
        body=json.dumps({"email": email, "password": PASSWORD}).encode(),
    )))
    registered, _, stderr = invoke("RegisterUserFunction", "-e", str(register_event))
    assert registered == 0, stderr

    (code, result, stderr), (anonymous, unauthorized, _) = invoke_all(
        ("GetMeFunction", "--event", "events/get_me.json", "--as", email),
        ("GetMeFunction", "--event", "events/get_me.json"),
    )

    assert code == 0, stderr
    assert result is not None and result["statusCode"] == 200
    assert json.loads(result["body"])["email"] == email.lower()
    assert anonymous == 0 and unauthorized is not None and unauthorized["statusCode"] == 401  # 4xx is not a failure


def test_minting_tokens_is_refused_in_production(database_url: str) -> None:
    code, result, stderr = invoke("GetMeFunction", "--event", "events/get_me.json", "--as", "user@example.com",
                                  ENVIRONMENT="production")

    assert (code, result) == (2, None)
    assert "production" in stderr


def test_an_unknown_function_or_user_is_an_error(database_url: str) -> None:
    (unknown_function, _, functions), (unknown_user, _, users) = invoke_all(
        ("NoSuchFunction",), ("GetMeFunction", "--as", unique_email()),
    )

    assert unknown_function == 2 and "GetMeFunction" in functions
    assert unknown_user == 2 and "No active user" in users


def test_every_sample_event_is_answered_without_a_5xx(database_url: str, moto_server: str) -> None:
    """The deployment check of `sam local invoke`, for every function of the template, with its sample event."""
    import asyncio

    from local_gateway import template as sam
    from shared.core import db
    from shared.core.uow import UnitOfWork
    from shared.users.services import ensure_user

    functions = sam.load(sam.DEFAULT_TEMPLATE).functions
    # An admin of its own for each function: some samples delete or change the account they run as.
    admins = {function.logical_id: unique_email().lower() for function in functions}

    async def create_admins() -> None:
        try:
            async with UnitOfWork() as uow:
                for email in admins.values():
                    await ensure_user(uow, email=email, password=PASSWORD, role="admin", full_name="Invoker")
        finally:
            await db.dispose_all()

    asyncio.run(create_admins())
    environment = {"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                   "AWS_DEFAULT_REGION": "eu-west-1"}
    invocations = []
    for function in functions:
        event = ROOT / "events" / f"{function.name}.json"
        assert event.exists(), f"{function.logical_id} has no sample event"
        extra = ("--as", admins[function.logical_id]) if function.routes else ()
        invocations.append((function.logical_id, "--event", str(event), *extra))
    failures = []
    for start in range(0, len(invocations), 8):
        batch = invocations[start:start + 8]
        for args, (code, result, stderr) in zip(batch, invoke_all(*batch, **environment)):
            if code != 0:
                failures.append((args[0], (result or {}).get("statusCode"), stderr[-300:]))
    assert failures == []


def test_without_an_event_the_functions_sample_is_sent_and_an_unknown_id_is_named(database_url: str) -> None:
    (code, result, stderr), (unknown, nothing, message) = invoke_all(("GetHealthFunction",), ("NoSuchFunction",))

    assert code == 0, stderr  # was a crash: no event means events/get_health.json
    assert result is not None and result["statusCode"] == 200
    assert (unknown, nothing) == (2, None)
    assert "No function 'NoSuchFunction' in the template" in message and "GetHealthFunction" in message
