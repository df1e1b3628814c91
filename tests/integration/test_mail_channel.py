"""The e-mail channel of the notifications consumer: real PostgreSQL, the local mailbox, a real SMTP server
(aiosmtpd, with STARTTLS on a certificate of its own), moto's SES.

Messages are SQS records as the relay and the immediate dispatch write them; the consumer runs in the
rolled-back `uow`.
"""
from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shared.bookings import tickets
from shared.core.outbox import OutboxEvent
from shared.core.orm import utcnow
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.mail import captured
from shared.mail.compose import Mail
from shared.notifications import services
from shared.notifications.models import Delivery
from shared.users.models import User
from tests.support.builders import make_booking, make_departure, make_tour, make_user


@pytest.fixture(autouse=True)
def mailbox(tmp_path: Path) -> Iterator[Path]:
    os.environ.update(MAIL_BACKEND="local", MAIL_LOCAL_DIR=str(tmp_path / "mail"),
                      PUBLIC_WEB_URL="https://tourbook.example")
    reset_settings()
    yield tmp_path / "mail"


def _record(event_type: str, user_id: uuid.UUID | None, payload: dict[str, Any], receive_count: int = 1,
            event_id: uuid.UUID | None = None) -> dict[str, Any]:
    event = OutboxEvent(id=event_id or uuid.uuid4(), type=event_type, aggregate_id=uuid.uuid4(), user_id=user_id,
                        payload=payload, created_at=utcnow())
    return {"messageId": str(uuid.uuid4()), "receiptHandle": "handle", "body": services.message_body(event),
            "attributes": {"ApproximateReceiveCount": str(receive_count)}, "eventSourceARN": ""}


async def _confirmed_booking(uow: UnitOfWork, locale: str = "en") -> tuple[User, dict[str, Any]]:
    from shared.bookings.schemas import BookingOut

    user = await make_user(uow, full_name="Ann Lee")
    user.locale = locale
    tour = await make_tour(uow, title="Azores Coastal Walk")
    departure = await make_departure(uow, tour.id)
    booking = await make_booking(uow, user, departure.id, seats=2)
    booking.status, booking.expires_at = "confirmed", None
    await uow.commit()
    return user, BookingOut.model_validate(booking).model_dump(mode="json")


async def test_a_confirmed_booking_mails_the_check_in_code_and_its_qr_code_once(uow: UnitOfWork) -> None:
    user, booking = await _confirmed_booking(uow, locale="ru")
    record = _record("booking.confirmed", user.id, booking)

    await services.deliver(uow, record)
    await services.deliver(uow, record)  # SQS delivers it again: no second e-mail

    (mail,) = captured.messages()
    assert mail["to"] == user.email
    assert mail["subject"] == "Бронирование подтверждено: Azores Coastal Walk"
    code = tickets.code_for(uuid.UUID(booking["id"]))
    assert code in mail["text"] and code in mail["html"]
    assert "Здравствуйте, Ann Lee!" in mail["text"]
    assert f"https://tourbook.example/bookings/{booking['id']}" in mail["text"]
    assert 'src="data:image/png;base64,' in mail["html"]  # the QR code, inline
    event_id = uuid.UUID(json.loads(record["body"])["id"])
    channels = await uow.session.scalars(select(Delivery.channel).where(Delivery.event_id == event_id))
    assert sorted(channels) == ["email", "telegram", "webhook"]  # no chat linked: nothing sent there


async def test_events_of_deleted_or_unknown_users_send_no_mail_but_are_delivered(uow: UnitOfWork) -> None:
    user, booking = await _confirmed_booking(uow)
    user.deleted_at = utcnow()
    await uow.commit()
    await services.deliver(uow, _record("booking.cancelled", user.id, booking))
    await services.deliver(uow, _record("booking.cancelled", uuid.uuid4(), booking))
    await services.deliver(uow, _record("something.else", user.id, {}))
    assert captured.messages() == []


async def test_account_e_mails_go_by_e_mail_only(uow: UnitOfWork) -> None:
    from shared.users import account_mail
    from shared.users.account_tokens import RESET_PASSWORD

    user = await make_user(uow)
    account_mail.issue(uow, user, RESET_PASSWORD)
    await uow.commit()
    event = await uow.session.scalar(select(OutboxEvent).where(OutboxEvent.user_id == user.id))
    assert event is not None
    await services.deliver(uow, _record(event.type, user.id, event.payload, event_id=event.id))

    (mail,) = captured.messages()
    assert mail["subject"] == "Reset your password"
    link = next(line for line in mail["text"].splitlines() if "/reset-password?token=" in line)
    assert link.startswith("https://tourbook.example/reset-password?token=")
    assert event.payload["sealed_token"] not in mail["text"]
    assert list(await uow.session.scalars(select(Delivery.channel).where(Delivery.event_id == event.id))) == ["email"]


async def test_a_user_who_turned_e_mail_off_gets_no_booking_mail_but_still_the_accounts_own(uow: UnitOfWork) -> None:
    from shared.notifications import preferences
    from shared.users import account_mail
    from shared.users.account_tokens import RESET_PASSWORD

    user, booking = await _confirmed_booking(uow)
    await preferences.change(uow, user_id=user.id, changes={"email": False})
    record = _record("booking.confirmed", user.id, booking)
    account_mail.issue(uow, user, RESET_PASSWORD)
    await uow.commit()
    reset = await uow.session.scalar(
        select(OutboxEvent).where(OutboxEvent.user_id == user.id, OutboxEvent.type == "account.reset_password"))
    assert reset is not None

    assert await services.deliver_batch(uow, [record, _record(reset.type, user.id, reset.payload,
                                                              event_id=reset.id)]) == {}

    assert [mail["subject"] for mail in captured.messages()] == ["Reset your password"]
    event_id = uuid.UUID(json.loads(record["body"])["id"])
    assert await uow.session.get(Delivery, (event_id, "email")) is not None  # recorded, nothing sent


def test_the_local_mailbox_keeps_the_newest_messages(mailbox: Path) -> None:
    os.environ["MAIL_LOCAL_KEEP"] = "3"
    reset_settings()
    try:
        for number in range(5):
            captured.capture(Mail(to="ann@example.com", subject=f"Message {number}", text="text", html="<p>html</p>"))
    finally:
        del os.environ["MAIL_LOCAL_KEEP"]
        reset_settings()

    assert [item["subject"] for item in captured.messages()] == ["Message 4", "Message 3", "Message 2"]
    assert len(list(mailbox.glob("*.json"))) == 3


# -- SMTP -------------------------------------------------------------------------------------------------------


@dataclass
class Inbox:
    port: int
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    tls_used: list[bool] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the client trusts it through SMTP_CA_FILE."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.refused: set[str] = set()  # mailboxes the server refuses, as a full one is

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refused:
            return "552 5.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.inbox.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.inbox.tls_used.append(session.ssl is not None)
        return "250 OK"


def _smtp_server(inbox: Inbox, certificate: tuple[Path, Path], handler: _Handler | None = None) -> Any:
    from aiosmtpd.controller import Controller

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    controller = Controller(handler or _Handler(inbox), hostname="127.0.0.1", port=inbox.port, tls_context=context,
                            require_starttls=True)
    controller.start()
    return controller


def _use_smtp(port: int, certificate: tuple[Path, Path]) -> None:
    os.environ.update(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{port}", SMTP_CA_FILE=str(certificate[0]),
                      SMTP_TIMEOUT_SECONDS="3", MAIL_FROM="Tourbook <no-reply@tourbook.example>")
    reset_settings()


async def test_smtp_sends_over_starttls_the_text_html_and_qr_code(uow: UnitOfWork,
                                                                  certificate: tuple[Path, Path]) -> None:
    inbox = Inbox(_free_port())
    server = _smtp_server(inbox, certificate)
    try:
        _use_smtp(inbox.port, certificate)
        user, booking = await _confirmed_booking(uow)
        await services.deliver(uow, _record("booking.confirmed", user.id, booking))
    finally:
        server.stop()
    (message,) = inbox.messages
    assert inbox.tls_used == [True]
    assert message["To"] == user.email and message["From"] == "Tourbook <no-reply@tourbook.example>"
    assert message["Subject"] == "Booking confirmed: Azores Coastal Walk"
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None
    assert tickets.code_for(uuid.UUID(booking["id"])) in plain.get_content()
    assert 'src="cid:qr"' in rich.get_content()
    assert [part.get_content_type() for part in message.walk()].count("image/png") == 1


async def test_smtp_down_the_event_is_retried_and_delivered_once_when_it_is_back(
    uow: UnitOfWork, certificate: tuple[Path, Path],
) -> None:
    inbox = Inbox(_free_port())  # nothing listens there yet
    _use_smtp(inbox.port, certificate)
    user, booking = await _confirmed_booking(uow)
    user_id = user.id  # the failed attempt rolls back, and with it what the session knew of the user
    record = _record("booking.confirmed", user_id, booking)
    event_id = uuid.UUID(json.loads(record["body"])["id"])

    with pytest.raises(services.MailError, match="smtp did not take the message"):
        await services.deliver(uow, record)
    assert await uow.session.get(Delivery, (event_id, "email")) is None  # not recorded: SQS brings it back

    server = _smtp_server(inbox, certificate)  # the server is back
    try:
        await services.deliver(uow, _record("booking.confirmed", user_id, booking, receive_count=2, event_id=event_id))
        await services.deliver(uow, _record("booking.confirmed", user_id, booking, receive_count=3, event_id=event_id))
    finally:
        server.stop()
    assert len(inbox.messages) == 1
    delivery = await uow.session.get(Delivery, (event_id, "email"))
    assert delivery is not None and delivery.attempts == 2


async def test_a_refused_mail_in_a_batch_is_retried_alone_and_the_others_go_once(
    uow: UnitOfWork, certificate: tuple[Path, Path],
) -> None:
    inbox = Inbox(_free_port())
    handler = _Handler(inbox)
    server = _smtp_server(inbox, certificate, handler)
    try:
        _use_smtp(inbox.port, certificate)
        users, records = [], []
        for _ in range(4):
            user, booking = await _confirmed_booking(uow)
            users.append((user.id, user.email))
            records.append(_record("booking.confirmed", user.id, booking))
        handler.refused.add(users[1][1])

        failed = await services.deliver_batch(uow, records)

        assert list(failed) == [records[1]["messageId"]]
        assert isinstance(failed[records[1]["messageId"]], services.MailError)
        assert sorted(message["To"] for message in inbox.messages) == sorted(
            email for number, (_, email) in enumerate(users) if number != 1)
        refused_event = uuid.UUID(json.loads(records[1]["body"])["id"])
        assert await uow.session.get(Delivery, (refused_event, "email")) is None
        assert await uow.session.get(Delivery, (refused_event, "webhook")) is not None

        handler.refused.clear()  # the mailbox has room again; SQS brings the batch back (all of it, say)
        assert await services.deliver_batch(uow, [{**record, "attributes": {"ApproximateReceiveCount": "2"}}
                                                  for record in records]) == {}
    finally:
        server.stop()
    assert sorted(message["To"] for message in inbox.messages) == sorted(email for _, email in users)
    delivery = await uow.session.get(Delivery, (refused_event, "email"))
    assert delivery is not None and delivery.attempts == 2


async def test_smtp_refuses_a_server_without_starttls(uow: UnitOfWork, certificate: tuple[Path, Path]) -> None:
    from aiosmtpd.controller import Controller

    inbox = Inbox(_free_port())
    server = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)  # plain only
    server.start()
    try:
        _use_smtp(inbox.port, certificate)
        user, booking = await _confirmed_booking(uow)
        user_id = user.id
        with pytest.raises(services.MailError, match="STARTTLS"):
            await services.deliver(uow, _record("booking.confirmed", user_id, booking))
        os.environ["SMTP_URL"] = f"smtp://127.0.0.1:{inbox.port}?tls=none"  # as compose points it at Mailpit
        reset_settings()
        await services.deliver(uow, _record("booking.confirmed", user_id, booking))
    finally:
        server.stop()
    assert len(inbox.messages) == 1 and inbox.tls_used == [False]


# -- SES ---------------------------------------------------------------------------------------------------------


async def test_ses_sends_the_raw_message(uow: UnitOfWork, aws: str) -> None:
    from shared.core import aws as aws_clients

    os.environ.update(MAIL_BACKEND="ses", MAIL_FROM="Tourbook <no-reply@tourbook.example>")
    reset_settings()
    aws_clients.sesv2().create_email_identity(EmailIdentity="tourbook.example")
    before = _ses_sent(aws)
    user, booking = await _confirmed_booking(uow)

    await services.deliver(uow, _record("booking.confirmed", user.id, booking))

    sent = _ses_sent(aws)[len(before):]
    assert len(sent) == 1
    assert set(sent[0]["destinations"]) == {user.email}
    assert "Booking confirmed: Azores Coastal Walk" in sent[0]["raw_data"]


def _ses_sent(endpoint: str) -> list[dict[str, Any]]:
    import urllib.request

    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json") as response:
        data = json.loads(response.read())
    messages: list[dict[str, Any]] = data["ses"]["RawMessage"]  # moto's record of what SES sent
    return messages
