"""Linking a Telegram chat and the notification settings, over HTTP through the gateway; the bot's webhook is
called as Telegram calls it."""
from __future__ import annotations

import random
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import Gateway, serve
from tests.support.accounts import create_account
from tests.support.builders import DEFAULT_PASSWORD, unique_email

SECRET = "webhook-secret-0123456789"
BOT = "tourbook_test_bot"


@pytest.fixture(scope="module")
def gateway(database_url: str) -> Iterator[Gateway]:
    with serve("inprocess", TELEGRAM_BOT_TOKEN="123:abc", TELEGRAM_BOT_USERNAME=BOT,
               TELEGRAM_WEBHOOK_SECRET=SECRET) as running:
        yield running


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with gateway.client() as client:
        yield client


def signed_in(client: httpx.Client) -> dict[str, str]:
    email = unique_email()
    create_account(email)
    answer = client.post("/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def telegram_says(client: httpx.Client, chat_id: int, text: str, secret: str | None = SECRET) -> httpx.Response:
    update = {"update_id": random.randint(1, 10**9), "message": {
        "message_id": 7, "date": 1795348800, "text": text,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
        "chat": {"id": chat_id, "type": "private", "first_name": "Ann"}}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/v1/telegram/webhook", json=update, headers=headers)


def test_a_chat_is_linked_by_the_deep_link_once(client: httpx.Client) -> None:
    bearer = signed_in(client)
    made = client.post("/v1/users/me/telegram", headers=bearer)
    assert made.status_code == 201, made.text
    assert made.json()["expires_in"] == 900
    url = urllib.parse.urlsplit(made.json()["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "t.me", f"/{BOT}")
    token = urllib.parse.parse_qs(url.query)["start"][0]
    assert 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()  # what Telegram passes on

    chat_id = random.randint(10**8, 10**9)
    linked = telegram_says(client, chat_id, f"/start {token}")
    assert linked.status_code == 200
    assert linked.json() == {"method": "sendMessage", "chat_id": chat_id,
                             "text": "Done: Tourbook will send your notifications here."}
    again = telegram_says(client, chat_id + 1, f"/start {token}")  # the link works once
    assert "expired" in again.json()["text"]
    assert telegram_says(client, chat_id, "hello").json() == {}  # anything else is taken and ignored

    assert client.delete("/v1/users/me/telegram", headers=bearer).status_code == 204


def test_the_webhook_refuses_updates_without_the_secret(client: httpx.Client) -> None:
    for secret in (None, "", "wrong-secret"):
        refused = telegram_says(client, 42, "/start anything", secret=secret)
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"


def test_telegram_links_need_a_signed_in_user(client: httpx.Client) -> None:
    assert client.post("/v1/users/me/telegram").status_code == 401
    assert client.delete("/v1/users/me/telegram").status_code == 401


def test_notification_settings_per_channel(client: httpx.Client) -> None:
    bearer = signed_in(client)
    assert client.get("/v1/users/me/notifications", headers=bearer).json() == {
        "email": True, "telegram": True, "webhook": True}
    changed = client.patch("/v1/users/me/notifications", json={"telegram": False}, headers=bearer)
    assert changed.status_code == 200 and changed.json() == {"email": True, "telegram": False, "webhook": True}
    changed = client.patch("/v1/users/me/notifications", json={"email": False}, headers=bearer)
    assert changed.json() == {"email": False, "telegram": False, "webhook": True}
    for bad in ({"email": None}, {"sms": True}, {"email": "no"}):
        refused = client.patch("/v1/users/me/notifications", json=bad, headers=bearer)
        assert refused.status_code == 422, bad
    assert client.get("/v1/users/me/notifications", headers=bearer).json() == {
        "email": False, "telegram": False, "webhook": True}
    assert client.get("/v1/users/me/notifications").status_code == 401


def test_without_a_bot_linking_is_unavailable(database_url: str) -> None:
    with serve("inprocess", TELEGRAM_BOT_USERNAME="", TELEGRAM_WEBHOOK_SECRET="") as gateway, \
            gateway.client() as client:
        bearer = signed_in(client)
        assert client.post("/v1/users/me/telegram", headers=bearer).status_code == 404  # like an unconfigured provider
        assert telegram_says(client, 42, "/start x", secret="").status_code == 401
