"""Writes events/<function>.json, one sample event per function: `python -m local_gateway.samples`.

The events are what the gateway would send (events.http_event), so `sam local invoke -e` and
`python -m local_gateway invoke` see the same thing. Endpoints that need a user are meant to be
invoked with `--as EMAIL`; their samples carry no Authorization header.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from local_gateway import demo, events, template as sam

EVENTS_DIR = sam.ROOT / "events"
SAMPLE_ID = "6f1c2a54-3d1e-4b7a-9c55-0d2f8e9a1b37"
# Ids the demo data has (local_gateway.demo), so the samples find what they name; any other id is SAMPLE_ID.
DEMO_IDS = {"tour_id": str(demo.sample_tour_id()), "departure_id": str(demo.SAMPLE_DEPARTURE_ID)}
# Deleting the tour the other samples read would leave them nothing to find: this one deletes the last demo tour.
DEMO_IDS_OF = {"DeleteTourFunction": {"tour_id": str(demo.sample_tour_id(-1))},
               # A provider's name (found only where one is configured: 404 on the demo set-up, which has none).
               **dict.fromkeys(("StartOAuthSignInFunction", "FinishOAuthSignInFunction", "UnlinkIdentityFunction"),
                               {"provider": "google"})}
UNMATCHED_PATH = "/v1/no-such-route"  # what the `$default` route's sample asks for
_TIME = {"time": "22/Nov/2026:12:00:00 +0000", "timeEpoch": 1795348800000}

# Bodies and query strings that work on a fresh database with the demo accounts.
SAMPLES: dict[str, dict[str, Any]] = {
    "RegisterUserFunction": {"body": {"email": "sample-7c1e9a@example.com", "password": "sample-password-1",
                                      "full_name": "Sample User"}},
    "LogInFunction": {"body": {"email": "user@example.com", "password": "user-password"}},
    "RequestEmailVerificationFunction": {},
    "VerifyEmailFunction": {"body": {"token": "sample-token-from-a-verification-e-mail"}},
    "RequestPasswordResetFunction": {"body": {"email": "user@example.com"}},
    "ResetPasswordFunction": {"body": {"token": "sample-token-from-a-reset-e-mail", "password": "user-password"}},
    "RefreshTokensFunction": {"body": {"refresh_token": "rt_sample-refresh-token-from-a-login"}},
    "LogOutFunction": {"body": {}},
    "StartSessionFunction": {"body": {"email": "user@example.com", "password": "user-password"}},
    "RefreshSessionFunction": {"headers": [("x-requested-with", "tourbook"),
                                           ("cookie", "tb_refresh=rt_sample-refresh-token-from-a-session")]},
    "EndSessionFunction": {"headers": [("x-requested-with", "tourbook"),
                                       ("cookie", "tb_refresh=rt_sample-refresh-token-from-a-session")]},
    "StartOAuthSignInFunction": {"query": "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fsign-in"},
    "FinishOAuthSignInFunction": {"query": "code=sample-code-from-the-provider&state=sample-state"},
    "ExchangeLoginCodeFunction": {"body": {"login_code": "sample-login-code-from-the-callback"}},
    "HandleTelegramUpdateFunction": {
        "body": {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 100200300, "type": "private"},
                                             "text": "/start sample-token-from-a-link"}},
        "headers": [("x-telegram-bot-api-secret-token", "sample-webhook-secret")]},
    "UpdateNotificationSettingsFunction": {"body": {"telegram": False}},
    "MigrateFunction": {"event": {"revision": "head"}},  # what bin/deploy sends
    "UpdateMeFunction": {"body": {"full_name": "Demo User"}},
    "ListLoginsFunction": {"query": "limit=5"},
    "ListToursFunction": {"query": "country=Portugal&tag=hiking&sort=price&limit=5"},
    "CreateTourFunction": {"body": {
        "title": "Sample Coastal Trail", "description": "Five days along the Atlantic cliffs.", "country": "Portugal",
        "city": "Lisbon", "duration_days": 5, "price_cents": 89000, "currency": "EUR", "tags": ["hiking", "sea"],
        "is_published": True,
    }},
    "UpdateTourFunction": {"body": {"price_cents": 92000}},
    "RequestTourImageFunction": {"body": {"content_type": "image/jpeg"}},
    "ListDeparturesFunction": {"query": "limit=5"},
    "CreateDepartureFunction": {"body": {"starts_on": "2030-06-01", "capacity": 16}},
    "UpdateDepartureFunction": {"body": {"capacity": 20}},
    "CreateBookingFunction": {"body": {"departure_id": DEMO_IDS["departure_id"], "seats": 2,
                                       "travellers": ["Ann Lee", "Bo Lee"]},
                              "headers": [("idempotency-key", "sample-booking-1")]},
    "ListBookingsFunction": {"query": "status=pending&limit=5"},
    "PayBookingFunction": {"body": {"payment_token": "tok_ok"}, "headers": [("idempotency-key", "sample-pay-1")]},
    "UpdateBookingFunction": {"body": {"seats": 3, "travellers": ["Ann Lee", "Bo Lee", "Cy Lee"]},
                              "headers": [("idempotency-key", "sample-change-1")]},
    "JoinWaitlistFunction": {"body": {"seats": 2}},
    "ListWaitlistFunction": {"query": "limit=5"},
    "ListAllBookingsFunction": {"query": "limit=5"},
    "CreateAdminBookingFunction": {"body": {"user_id": SAMPLE_ID, "departure_id": DEMO_IDS["departure_id"],
                                            "seats": 1, "paid_offline": True}},
    "ListAllToursFunction": {"query": "is_published=false&limit=5"},
    "ListFavouritesFunction": {"query": "limit=5"},
    "AddTicketMessageFunction": {"body": {"text": "Any news about my question?"}},
    # What EventBridge sends for an uploaded tour image (the object need not exist: the function refuses it then).
    "MakeThumbnailsFunction": {"event": events.object_created_event(
        "tourbook-uploads", f"tours/{DEMO_IDS['tour_id']}/{SAMPLE_ID}.jpg", size=48213,
        etag="9b2cf535f27731c974343645a3985328", now=dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc),
    ) | {"id": SAMPLE_ID}},
    "CheckInFunction": {"body": {"code": "sample-check-in-code"}},
    # A message as the outbox relay writes it (shared.notifications.services.message_body).
    "DeliverNotificationsFunction": {
        "body": {
            "id": SAMPLE_ID, "type": "booking.created", "aggregate_id": "0b6f3c1e-2a4d-4e8f-9b7a-5c3d2e1f0a9b",
            "user_id": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b",
            "payload": {"id": "0b6f3c1e-2a4d-4e8f-9b7a-5c3d2e1f0a9b", "status": "pending", "seats": 2},
            "created_at": "2026-11-22T12:00:00.000Z",
        },
        "attributes": {"type": {"DataType": "String", "StringValue": "booking.created"}},
    },
}


def sample_event(function: sam.Function) -> dict[str, Any]:
    sample = SAMPLES.get(function.logical_id, {})
    if "event" in sample:
        event: dict[str, Any] = sample["event"]
        return event
    if function.routes:
        return _http_sample(function, sample)
    if function.schedules:
        schedule = function.schedules[0]
        if schedule.input is not None:
            loaded: dict[str, Any] = json.loads(schedule.input)
            return loaded
        event = events.scheduled_event(f"local-{function.logical_id}{schedule.event_name}")
        event.update(id=SAMPLE_ID, time="2026-11-22T12:00:00Z")
        return event
    if function.queues:
        trigger = function.queues[0]
        body = json.dumps(sample.get("body", {}))
        record = events.sqs_record(
            body, queue_arn=f"arn:aws:sqs:eu-west-1:{sam.ACCOUNT_ID}:{trigger.queue_name}", message_id=SAMPLE_ID,
            receipt_handle="sample-receipt-handle", message_attributes=sample.get("attributes"),
        )
        timestamp = str(_TIME["timeEpoch"])
        record["attributes"].update(SentTimestamp=timestamp, ApproximateFirstReceiveTimestamp=timestamp)
        return events.sqs_event([record])
    return {}


def _http_sample(function: sam.Function, sample: dict[str, Any]) -> dict[str, Any]:
    route = function.routes[0]
    ids = DEMO_IDS | DEMO_IDS_OF.get(function.logical_id, {})
    parameters = {name: ids.get(name, SAMPLE_ID) for name in re.findall(r"\{([^}+]+)\+?\}", route.path)}
    raw_path = re.sub(r"\{([^}+]+)\+?\}", lambda match: parameters[match[1]], route.path)
    if route.route_key == "$default":
        raw_path = UNMATCHED_PATH
    headers = [("host", "127.0.0.1:8000"), ("user-agent", "local-gateway-sample"), ("accept", "application/json"),
               *sample.get("headers", [])]
    body = b""
    if "body" in sample:
        body = json.dumps(sample["body"]).encode()
        headers.append(("content-type", "application/json"))
    event = events.http_event(
        route.method if route.method != "ANY" else "GET", raw_path, route_key=route.route_key,
        path_parameters=parameters, raw_query_string=sample.get("query", ""), headers=headers, body=body,
    )
    event["requestContext"].update(requestId=SAMPLE_ID.replace("-", ""), **_TIME)
    return event


def write_samples(template: sam.Template, directory: Path = EVENTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for function in template.functions:
        path = directory / f"{function.name}.json"
        path.write_text(json.dumps(sample_event(function), indent=2) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_samples(sam.load(sys.argv[1] if len(sys.argv) > 1 else sam.DEFAULT_TEMPLATE)):
        print(written.relative_to(sam.ROOT))
