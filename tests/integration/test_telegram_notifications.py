"""Outbox events reach the user's Telegram chat through the notifications consumer, against a fake Bot API
(a real HTTP server answering as Telegram does)."""
from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shared.core import jobs
from shared.core.orm import utcnow
from shared.core.outbox import OutboxEvent
from shared.core.settings import reset_settings
from shared.core.uow import UnitOfWork
from shared.notifications import preferences, services
from shared.notifications.models import Delivery
from shared.telegram.models import TelegramLink
from shared.users.models import User
from tests.support.builders import make_booking, make_departure, make_tour, make_user
from tests.support.telegram import BotApi, bot_api

TOKEN = "123456:test-bot-token"


@pytest.fixture
def api(aws: str, tmp_path: Path) -> Iterator[BotApi]:
    with bot_api() as server:
        os.environ.update(TELEGRAM_API_URL=server.url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_TIMEOUT_SECONDS="3",
                          MAIL_BACKEND="local", MAIL_LOCAL_DIR=str(tmp_path / "mail"))  # e-mail goes too
        reset_settings()
        yield server


async def linked_user(uow: UnitOfWork, *, locale: str = "en") -> tuple[User, int]:
    user = await make_user(uow)
    user.locale = locale
    chat_id = random.randint(10**8, 10**9)
    uow.session.add(TelegramLink(user_id=user.id, chat_id=chat_id))
    await uow.commit()
    return user, chat_id


async def booking_event(uow: UnitOfWork, user: User, type: str = "booking.confirmed") -> tuple[str, uuid.UUID]:
    from shared.bookings.schemas import BookingOut

    tour = await make_tour(uow, title="Azores Whale Watch")
    departure = await make_departure(uow, tour.id)
    booking = await make_booking(uow, user, departure.id, seats=2)
    booking.status, booking.expires_at = "confirmed", None
    await uow.commit()
    event = OutboxEvent(id=uuid.uuid4(), type=type, aggregate_id=booking.id, user_id=user.id, created_at=utcnow(),
                        payload=BookingOut.model_validate(booking).model_dump(mode="json"))
    return services.message_body(event), event.id


def record(body: str) -> dict[str, object]:
    return {"messageId": str(uuid.uuid4()), "receiptHandle": "r", "body": body,
            "attributes": {"ApproximateReceiveCount": "1"},
            "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:tourbook-notifications"}


async def delivered(uow: UnitOfWork, event_id: uuid.UUID, channel: str) -> bool:
    return await uow.session.get(Delivery, (event_id, channel)) is not None


async def test_an_event_reaches_the_linked_chat_in_the_users_language_once(uow: UnitOfWork, api: BotApi) -> None:
    user, chat_id = await linked_user(uow, locale="ru")
    body, event_id = await booking_event(uow, user)
    await services.deliver(uow, record(body))
    (text,) = api.messages_to(chat_id)
    assert "Azores Whale Watch" in text and "подтверждено" in text
    assert api.sent[0].token == TOKEN and api.sent[0].method == "sendMessage"
    assert await delivered(uow, event_id, "telegram") and await delivered(uow, event_id, "webhook")

    await services.deliver(uow, record(body))  # SQS delivers it again: not sent twice
    assert len(api.messages_to(chat_id)) == 1


@pytest.mark.parametrize("gone", ["blocked", "deleted"])
async def test_a_blocked_bot_or_a_deleted_chat_unlinks_instead_of_retrying(
        uow: UnitOfWork, api: BotApi, gone: str) -> None:
    user, chat_id = await linked_user(uow)
    (api.block if gone == "blocked" else api.forget)(chat_id)
    body, event_id = await booking_event(uow, user)
    await services.deliver(uow, record(body))  # no exception: nothing to retry
    assert await uow.session.scalar(select(TelegramLink).where(TelegramLink.user_id == user.id)) is None
    assert await delivered(uow, event_id, "telegram")
    body, _ = await booking_event(uow, user, "booking.cancelled")
    await services.deliver(uow, record(body))
    assert len(api.sent) == 1  # the next event is not even tried


async def test_a_bot_api_outage_is_retried_later_and_then_sent(uow: UnitOfWork, api: BotApi) -> None:
    user, chat_id = await linked_user(uow)
    body, event_id = await booking_event(uow, user)
    api.fail_next(1)
    with pytest.raises(jobs.RetryLater):
        await services.deliver(uow, record(body))
    assert not await delivered(uow, event_id, "telegram")
    await services.deliver(uow, record(body))  # the retry: the webhook already took it, Telegram now does
    assert len(api.messages_to(chat_id)) == 2 and await delivered(uow, event_id, "telegram")


async def test_a_user_who_turned_telegram_off_gets_nothing_there(uow: UnitOfWork, api: BotApi) -> None:
    user, chat_id = await linked_user(uow)
    assert (await preferences.change(uow, user_id=user.id, changes={"telegram": False}))["telegram"] is False
    assert await preferences.channel_enabled(uow, user_id=user.id, channel="telegram") is False
    assert await preferences.channel_enabled(uow, user_id=user.id, channel="email") is True
    body, event_id = await booking_event(uow, user)
    await services.deliver(uow, record(body))
    assert api.sent == [] and await delivered(uow, event_id, "telegram")


async def test_account_events_never_go_to_telegram(uow: UnitOfWork, api: BotApi) -> None:
    from shared.users import account_mail
    from shared.users.account_tokens import VERIFY_EMAIL

    user, _ = await linked_user(uow)
    account_mail.issue(uow, user, VERIFY_EMAIL)
    await uow.commit()
    event = await uow.session.scalar(select(OutboxEvent).where(OutboxEvent.user_id == user.id))
    assert event is not None and event.type.startswith("account.")
    await services.deliver(uow, record(services.message_body(event)))
    assert api.sent == []
    channels = await uow.session.scalars(select(Delivery.channel).where(Delivery.event_id == event.id))
    assert list(channels) == ["email"]
