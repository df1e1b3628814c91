"""The sample events (events/*.json) name what the demo data has: on a demo database none of them is a 404."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from local_gateway import demo, events, samples, template as sam
from local_gateway.cli import mint_access_token, sample_event_path
from local_gateway.runtime import import_handler
from shared.core.uow import UnitOfWork
from tests.support.invoke import LambdaContext, _environment, run_in_environment

TEMPLATE = sam.load()
# Left out, as they change what the others read: deleting a demo tour (its sample names the last one, which
# only it uses) and cancelling the sample departure (run last, once the others have read it).
DESTRUCTIVE = ("DeleteTourFunction",)
LAST = ("CancelDepartureFunction",)


async def _load_demo_data() -> None:
    async with UnitOfWork() as uow:
        await demo.load_demo_data(uow)


def _names_demo_data(function: sam.Function) -> bool:
    """A sample whose path or body names a tour or departure: those the demo data must have."""
    parameters = {name for route in function.routes for name in re.findall(r"\{([^}+]+)\}", route.path)}
    return bool(parameters) and parameters <= set(samples.DEMO_IDS) or function.logical_id == "CreateBookingFunction"


def _invoke(function: sam.Function, token: str) -> events.Result:
    path = sample_event_path(function)
    assert path is not None, function.logical_id
    event: dict[str, Any] = json.loads(path.read_text())
    event["headers"]["authorization"] = f"Bearer {token}"
    if "idempotency-key" in event["headers"]:  # an earlier run's answer would be replayed, whatever it was
        event["headers"]["idempotency-key"] = uuid.uuid4().hex
    return events.read_result(_environment.submit(import_handler(function), event, LambdaContext()).result())


def test_the_samples_find_what_they_name(aws: str) -> None:
    run_in_environment(_load_demo_data())
    token = run_in_environment(mint_access_token("admin@example.com"))
    assert token is not None
    chosen = [function for function in TEMPLATE.functions
              if _names_demo_data(function) and function.logical_id not in DESTRUCTIVE]
    chosen.sort(key=lambda function: function.logical_id in LAST)
    assert len(chosen) >= 10 and chosen[-1].logical_id == "CancelDepartureFunction"

    answers = {function.logical_id: _invoke(function, token) for function in chosen}

    assert {name: (answer.status, answer.body[:200]) for name, answer in answers.items()
            if answer.status == 404 or answer.status >= 500} == {}
    assert answers["GetTourFunction"].status == 200
    assert answers["CreateBookingFunction"].status in (201, 409)  # 409 once the sample departure is full


def test_the_delete_sample_names_a_demo_tour_the_others_do_not() -> None:
    event = json.loads((sam.ROOT / "events" / "delete_tour.json").read_text())
    others = json.loads((sam.ROOT / "events" / "get_tour.json").read_text())

    assert event["pathParameters"]["tour_id"] == str(demo.sample_tour_id(-1))
    assert others["pathParameters"]["tour_id"] == str(demo.sample_tour_id()) != event["pathParameters"]["tour_id"]
