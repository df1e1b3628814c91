"""E-mail journeys over HTTP through the gateway, on the same path as on AWS: the commit dispatches the event to
SQS (moto) at once, the gateway's poller hands it to DeliverNotificationsFunction, which renders the mail and
captures it (MAIL_BACKEND=local); the test reads it at /_local/mail as a person reads their inbox."""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Gateway
from tests.support.invoke import run_in_environment

PASSWORD = "the first password"


@pytest.fixture(scope="module", params=["inprocess", "isolated"])
def mail_gateway(request: pytest.FixtureRequest, database_url: str, moto_server: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    from tests.e2e.conftest import serve

    with serve(request.param, AWS_ENDPOINT_URL=moto_server, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="eu-west-1", MAIL_BACKEND="local", PUBLIC_WEB_URL="https://tourbook.example",
               MAIL_LOCAL_DIR=str(tmp_path_factory.mktemp("mailbox")), PASSWORD_RESET_ANSWER_SECONDS="0.2",
               NOTIFICATIONS_QUEUE_URL="") as running:
        yield running


def _mail_to(client: httpx.Client, address: str, subject: str, *, timeout: float = 20) -> dict[str, Any]:
    """The newest captured e-mail to `address` whose subject starts with `subject`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while True:
        listing = client.get("/_local/mail")
        assert listing.status_code == 200 and listing.headers["content-type"] == "application/json"
        for item in listing.json()["items"]:
            if item["to"] == address and item["subject"].startswith(subject):
                return dict(item)
        if time.monotonic() > deadline:
            raise AssertionError(f"no e-mail {subject!r} to {address}")
        time.sleep(0.2)


def _token(mail: dict[str, Any], page: str) -> str:
    match = re.search(rf"https://tourbook\.example/{page}\?token=([A-Za-z0-9_\-]+)", mail["text"])
    assert match, mail["text"]
    assert match.group(0) in mail["html"]
    return match.group(1)


def test_a_traveller_verifies_the_address_from_the_e_mail(mail_gateway: Gateway) -> None:
    address = f"mail-{uuid.uuid4().hex[:10]}@example.com"
    with mail_gateway.client() as client:
        registered = client.post("/v1/auth/register", json={"email": address, "password": PASSWORD,
                                                            "full_name": "Ann", "locale": "ru"})
        assert registered.status_code == 201 and registered.json()["email_verified"] is False
        mail = _mail_to(client, address, "Подтвердите адрес")
        assert "Здравствуйте, Ann!" in mail["text"]
        shown = client.get(f"/_local/mail/{mail['id']}")
        assert shown.status_code == 200 and "default-src 'none'" in shown.headers["content-security-policy"]
        assert "Подтвердить адрес" in shown.text

        verified = client.post("/v1/auth/verify-email", json={"token": _token(mail, "verify-email")})
        assert verified.status_code == 200 and verified.json()["email_verified"] is True
        again = client.post("/v1/auth/verify-email", json={"token": _token(mail, "verify-email")})
        assert again.status_code == 400 and again.json()["code"] == "invalid_token"
        assert client.get("/_local/mail/not-a-mail").status_code == 404


def test_a_traveller_who_forgot_the_password_resets_it_from_the_e_mail(mail_gateway: Gateway) -> None:
    address = f"reset-{uuid.uuid4().hex[:10]}@example.com"
    with mail_gateway.client() as client:
        assert client.post("/v1/auth/register", json={"email": address, "password": PASSWORD}).status_code == 201
        old = client.post("/v1/auth/login", json={"email": address, "password": PASSWORD}).json()

        asked = client.post("/v1/auth/password-reset", json={"email": address})
        unknown = client.post("/v1/auth/password-reset", json={"email": f"nobody-{uuid.uuid4().hex}@example.com"})
        assert asked.status_code == unknown.status_code == 202
        assert asked.content == unknown.content

        mail = _mail_to(client, address, "Reset your password")
        token = _token(mail, "reset-password")
        done = client.post("/v1/auth/password-reset/confirm", json={"token": token, "password": "a new password"})
        assert done.status_code == 204

        assert client.get("/v1/auth/me", headers={"authorization": f"Bearer {old['access_token']}"}).status_code == 401
        assert client.post("/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}).status_code == 401
        assert client.post("/v1/auth/login", json={"email": address, "password": PASSWORD}).status_code == 401
        assert client.post("/v1/auth/login", json={"email": address, "password": "a new password"}).status_code == 200
        reused = client.post("/v1/auth/password-reset/confirm", json={"token": token, "password": "another one!"})
        assert reused.status_code == 400 and reused.json()["code"] == "invalid_token"


def test_a_paid_booking_mails_the_ticket(mail_gateway: Gateway) -> None:
    address = f"ticket-{uuid.uuid4().hex[:10]}@example.com"
    with mail_gateway.client() as client:
        client.post("/v1/auth/register", json={"email": address, "password": PASSWORD})
        access = client.post("/v1/auth/login", json={"email": address, "password": PASSWORD}).json()["access_token"]
        auth = {"authorization": f"Bearer {access}"}
        departure_id = run_in_environment(_open_departure())
        booking = client.post("/v1/bookings", headers=auth, json={"departure_id": departure_id, "seats": 1}).json()
        assert _mail_to(client, address, "Your seats are held")
        paid = client.post(f"/v1/bookings/{booking['id']}/pay", headers=auth, json={"payment_token": "tok_ok"})
        assert paid.status_code == 200
        mail = _mail_to(client, address, "Booking confirmed")
        code = client.get(f"/v1/bookings/{booking['id']}/ticket", headers=auth).json()["code"]
        assert code in mail["text"] and 'src="data:image/png;base64,' in mail["html"]


async def _open_departure() -> str:
    from shared.core.uow import UnitOfWork
    from tests.support.builders import make_departure, make_tour

    async with UnitOfWork() as uow:
        tour = await make_tour(uow)
        return str((await make_departure(uow, tour.id)).id)
