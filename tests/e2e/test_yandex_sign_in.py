"""Sign-in with Yandex ID (OAuth 2.0 and its user-info endpoint, no ID token) over HTTP through the gateway,
against a stand-in for Yandex's endpoints (a real HTTP server checking PKCE and the client's credentials)."""
from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Iterator

import httpx
import pytest

from shared.core.settings import reset_settings
from tests.e2e.conftest import Gateway, serve
from tests.support.yandex import Yandex, yandex_server

APP = "http://app.test/sign-in"


@pytest.fixture(scope="module")
def yandex() -> Iterator[Yandex]:
    with yandex_server("yandex-client", "yandex-secret") as running:
        yield running


@pytest.fixture(scope="module")
def gateway(yandex: Yandex, database_url: str) -> Iterator[Gateway]:
    with serve("inprocess", COOKIE_SECURE="false", OAUTH_PROVIDERS="yandex", OAUTH_YANDEX_CLIENT_ID="yandex-client",
               OAUTH_YANDEX_CLIENT_SECRET="yandex-secret", OAUTH_YANDEX_AUTHORIZE_URL=f"{yandex.url}/authorize",
               OAUTH_YANDEX_TOKEN_URL=f"{yandex.url}/token", OAUTH_YANDEX_USERINFO_URL=f"{yandex.url}/info",
               OAUTH_REDIRECT_ALLOWLIST=APP) as running:
        yield running


@pytest.fixture
def browser(gateway: Gateway) -> Iterator[httpx.Client]:
    os.environ["PUBLIC_WEB_URL"] = gateway.url
    reset_settings()
    with gateway.client() as client:
        yield client


def sign_in(browser: httpx.Client) -> dict[str, str]:
    started = browser.get("/v1/auth/oauth/yandex/authorize", params={"redirect_uri": APP})
    assert started.status_code == 302, started.text
    assert "nonce" not in urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["location"]).query)
    at_yandex = httpx.get(started.headers["location"])
    assert at_yandex.status_code == 302, at_yandex.text
    done = browser.get(at_yandex.headers["location"])
    assert done.status_code == 302, done.text
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(done.headers["location"]).query))


def test_yandex_is_listed_and_signs_a_new_person_in(browser: httpx.Client, yandex: Yandex) -> None:
    assert browser.get("/v1/auth/oauth/providers").json() == {"items": [{"name": "yandex", "display_name": "Yandex"}]}
    email = f"ya-{uuid.uuid4().hex[:10]}@yandex.ru"
    yandex.user = {"id": str(uuid.uuid4().int)[:12], "login": "ann", "default_email": email, "real_name": "Анна Ли"}
    back = sign_in(browser)
    tokens = browser.post("/v1/auth/oauth/exchange", json={"login_code": back["login_code"]})
    assert tokens.status_code == 200, tokens.text
    me = browser.get("/v1/auth/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}).json()
    assert me["email"] == email and me["full_name"] == "Анна Ли" and me["has_password"] is False


def test_a_yandex_account_without_an_address_gets_no_account(browser: httpx.Client, yandex: Yandex) -> None:
    yandex.user = {"id": str(uuid.uuid4().int)[:12], "login": "noaddress"}
    assert sign_in(browser) == {"error": "email_required"}
