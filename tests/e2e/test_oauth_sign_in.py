"""Sign-in through another provider over real HTTP: the gateway, a real OpenID Connect provider
(oidc-provider-mock) and a client whose cookie jar does what a browser's does."""
from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Iterator

import httpx
import pytest

from shared.core.settings import reset_settings
from tests.e2e.conftest import Gateway, serve
from tests.support import oidc
from tests.support.accounts import create_account
from tests.support.builders import DEFAULT_PASSWORD, unique_email

APP = "http://app.test/sign-in"  # the web app's landing page, the one allowlisted redirect_uri
CLIENT_ID = "tourbook-web"


@pytest.fixture(scope="module")
def provider() -> Iterator[oidc.Provider]:
    with oidc.provider() as running:
        yield running


@pytest.fixture(scope="module")
def gateway(provider: oidc.Provider, database_url: str) -> Iterator[Gateway]:
    with serve("inprocess", COOKIE_SECURE="false", OAUTH_PROVIDERS="test", OAUTH_TEST_ISSUER=provider.issuer,
               OAUTH_TEST_CLIENT_ID=CLIENT_ID, OAUTH_TEST_CLIENT_SECRET="client-secret",
               OAUTH_TEST_DISPLAY_NAME="Test ID", OAUTH_REDIRECT_ALLOWLIST=APP) as running:
        yield running


@pytest.fixture
def browser(gateway: Gateway) -> Iterator[httpx.Client]:
    # The provider sends the browser back to PUBLIC_WEB_URL's callback: this gateway. Set per test, since every
    # test starts from the default settings.
    os.environ["PUBLIC_WEB_URL"] = gateway.url
    reset_settings()
    with gateway.client() as client:
        yield client


def start(browser: httpx.Client) -> str:
    started = browser.get("/v1/auth/oauth/test/authorize", params={"redirect_uri": APP})
    assert started.status_code == 302, started.text
    assert "HttpOnly" in started.headers["set-cookie"]
    return started.headers["location"]


def finish(browser: httpx.Client, callback: str) -> httpx.Response:
    return browser.get(callback)


def landing(response: httpx.Response) -> dict[str, str]:
    """The web app's landing URL's query, after the callback's redirect."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(APP + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def sign_in(browser: httpx.Client, provider: oidc.Provider, subject: str) -> dict[str, str]:
    return landing(finish(browser, provider.log_in(start(browser), subject)))


def exchange(browser: httpx.Client, login_code: str) -> httpx.Response:
    return browser.post("/v1/auth/oauth/exchange", json={"login_code": login_code})


def new_subject(provider: oidc.Provider, *, verified: bool = True, email: str | None = None) -> tuple[str, str]:
    subject = f"sub-{uuid.uuid4().hex[:12]}"
    email = email or f"{subject}@example.com"
    provider.set_user(subject, email=email, email_verified=verified, name="Ann Lee")
    return subject, email


def test_the_providers_are_listed_by_name(browser: httpx.Client) -> None:
    listed = browser.get("/v1/auth/oauth/providers")
    assert listed.status_code == 200
    assert listed.json() == {"items": [{"name": "test", "display_name": "Test ID"}]}


def test_a_new_person_signs_in_and_gets_an_account_without_a_password(
        browser: httpx.Client, provider: oidc.Provider) -> None:
    subject, email = new_subject(provider)
    back = sign_in(browser, provider, subject)
    assert set(back) == {"login_code"}  # tokens never travel in a URL
    tokens = exchange(browser, back["login_code"])
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["cache-control"] == "no-store"
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    me = browser.get("/v1/auth/me", headers=bearer).json()
    assert me["email"] == email and me["email_verified"] is True and me["has_password"] is False
    assert me["full_name"] == "Ann Lee"
    identities = browser.get("/v1/users/me/identities", headers=bearer).json()["items"]
    assert [(item["provider"], item["email"]) for item in identities] == [("test", email)]

    again = sign_in(browser, provider, subject)  # the same person later: the same account
    bearer = {"Authorization": f"Bearer {exchange(browser, again['login_code']).json()['access_token']}"}
    assert browser.get("/v1/auth/me", headers=bearer).json()["id"] == me["id"]


def test_a_login_code_works_once(browser: httpx.Client, provider: oidc.Provider) -> None:
    back = sign_in(browser, provider, new_subject(provider)[0])
    assert exchange(browser, back["login_code"]).status_code == 200
    replayed = exchange(browser, back["login_code"])
    assert replayed.status_code == 400 and replayed.json()["code"] == "invalid_token"
    unknown = exchange(browser, "not-a-login-code")
    assert unknown.status_code == 400 and unknown.headers["content-type"] == "application/problem+json"


def test_a_replayed_callback_is_refused(browser: httpx.Client, provider: oidc.Provider) -> None:
    callback = provider.log_in(start(browser), new_subject(provider)[0])
    assert "login_code" in landing(finish(browser, callback))
    replayed = finish(browser, callback)  # the same state and code again
    assert replayed.status_code == 400 and replayed.json()["code"] == "invalid_sign_in"


def test_a_tampered_state_is_refused_and_signs_nobody_in(browser: httpx.Client, provider: oidc.Provider) -> None:
    callback = provider.log_in(start(browser), new_subject(provider)[0])
    parts = urllib.parse.urlsplit(callback)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    tampered = finish(browser, parts._replace(query=urllib.parse.urlencode(query)).geturl())
    assert tampered.status_code == 400 and tampered.json()["code"] == "invalid_sign_in"
    assert "location" not in tampered.headers


def test_a_callback_in_another_browser_is_refused(gateway: Gateway, browser: httpx.Client,
                                                  provider: oidc.Provider) -> None:
    callback = provider.log_in(start(browser), new_subject(provider)[0])
    with gateway.client() as other_browser:  # no cookie: someone who was sent the link
        stolen = finish(other_browser, callback)
    assert stolen.status_code == 400 and stolen.json()["code"] == "invalid_sign_in"
    # Refused before it was spent: the browser that started it still signs in, once.
    assert "login_code" in landing(finish(browser, callback))


def test_a_wrong_nonce_is_refused(browser: httpx.Client, provider: oidc.Provider) -> None:
    authorize = start(browser)
    parts = urllib.parse.urlsplit(authorize)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["nonce"] = "a-nonce-we-never-made"  # the ID token will carry it back
    back = landing(finish(browser, provider.log_in(parts._replace(query=urllib.parse.urlencode(query)).geturl(),
                                                   new_subject(provider)[0])))
    assert back == {"error": "invalid_id_token"}


def test_a_denied_authorization_goes_back_with_an_error(browser: httpx.Client, provider: oidc.Provider) -> None:
    denied = httpx.post(start(browser), data={"action": "deny"})
    assert denied.status_code == 302
    assert landing(finish(browser, denied.headers["location"])) == {"error": "access_denied"}


def test_a_rotated_provider_key_is_fetched_when_a_token_names_it(
        browser: httpx.Client, provider: oidc.Provider) -> None:
    assert "login_code" in sign_in(browser, provider, new_subject(provider)[0])  # the JWKS is cached now
    provider.rotate_key(f"key-{uuid.uuid4().hex[:6]}")
    assert "login_code" in sign_in(browser, provider, new_subject(provider)[0])


def test_only_allowlisted_redirect_uris_and_configured_providers(browser: httpx.Client) -> None:
    for redirect_uri in ("http://app.test.evil.example/sign-in", "http://evil.example/?" + APP, "javascript:x"):
        refused = browser.get("/v1/auth/oauth/test/authorize", params={"redirect_uri": redirect_uri})
        assert refused.status_code == 422, redirect_uri
        assert "set-cookie" not in refused.headers
    assert browser.get("/v1/auth/oauth/test/authorize", params={"redirect_uri": APP + "/deep"}).status_code == 302
    unknown = browser.get("/v1/auth/oauth/nobody/authorize", params={"redirect_uri": APP})
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


def test_nothing_configured_lists_no_provider(database_url: str) -> None:
    with serve("inprocess", OAUTH_PROVIDERS="") as gateway, gateway.client() as client:
        assert client.get("/v1/auth/oauth/providers").json() == {"items": []}
        assert client.get("/v1/auth/oauth/google/authorize", params={"redirect_uri": APP}).status_code == 404


def bearer_of(browser: httpx.Client, back: dict[str, str]) -> dict[str, str]:
    tokens = exchange(browser, back["login_code"])
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def password_bearer(browser: httpx.Client, email: str, password: str) -> dict[str, str]:
    logged_in = browser.post("/v1/auth/login", json={"email": email, "password": password})
    assert logged_in.status_code == 200, logged_in.text
    return {"Authorization": f"Bearer {logged_in.json()['access_token']}"}


def test_a_verified_address_on_both_sides_links_the_existing_account(
        browser: httpx.Client, provider: oidc.Provider) -> None:
    email = unique_email()
    create_account(email)  # its address is verified
    own = password_bearer(browser, email, DEFAULT_PASSWORD)
    subject, _ = new_subject(provider, verified=True, email=email.upper())  # providers may write it otherwise
    linked = bearer_of(browser, sign_in(browser, provider, subject))
    account = browser.get("/v1/auth/me", headers=own).json()["id"]
    assert browser.get("/v1/auth/me", headers=linked).json()["id"] == account
    identities = browser.get("/v1/users/me/identities", headers=own).json()["items"]
    assert [item["provider"] for item in identities] == ["test"]

    # It has a password too, so the provider may be unlinked.
    assert browser.delete("/v1/users/me/identities/test", headers=own).status_code == 204
    assert browser.get("/v1/users/me/identities", headers=own).json() == {"items": []}
    missing = browser.delete("/v1/users/me/identities/test", headers=own)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize("side", ["provider", "account"])
def test_an_unverified_address_on_either_side_never_takes_over_an_account(
        browser: httpx.Client, provider: oidc.Provider, side: str) -> None:
    email = unique_email()
    if side == "account":
        assert browser.post("/v1/auth/register", json={"email": email, "password": DEFAULT_PASSWORD}).status_code == 201
    else:
        create_account(email)
    subject, _ = new_subject(provider, verified=side == "account", email=email)
    assert sign_in(browser, provider, subject) == {"error": "link_required"}
    own = password_bearer(browser, email, DEFAULT_PASSWORD)
    assert browser.get("/v1/users/me/identities", headers=own).json() == {"items": []}


def test_the_last_way_in_cannot_be_unlinked(browser: httpx.Client, provider: oidc.Provider) -> None:
    bearer = bearer_of(browser, sign_in(browser, provider, new_subject(provider)[0]))
    refused = browser.delete("/v1/users/me/identities/test", headers=bearer)
    assert refused.status_code == 409 and refused.json()["code"] == "last_login_method"
    assert len(browser.get("/v1/users/me/identities", headers=bearer).json()["items"]) == 1
    assert browser.delete("/v1/users/me/identities/test").status_code == 401


def test_a_deactivated_account_is_not_signed_in_by_its_provider(
        browser: httpx.Client, provider: oidc.Provider) -> None:
    subject, _ = new_subject(provider)
    bearer = bearer_of(browser, sign_in(browser, provider, subject))
    me = browser.get("/v1/auth/me", headers=bearer).json()
    admin = unique_email()
    create_account(admin, "admin")
    off = browser.patch(f"/v1/admin/users/{me['id']}", json={"is_active": False},
                        headers=password_bearer(browser, admin, DEFAULT_PASSWORD))
    assert off.status_code == 200, off.text
    assert sign_in(browser, provider, subject) == {"error": "account_disabled"}


def test_a_deleted_account_is_not_found_again_by_its_provider(browser: httpx.Client, provider: oidc.Provider) -> None:
    subject, email = new_subject(provider)
    bearer = bearer_of(browser, sign_in(browser, provider, subject))
    gone = browser.get("/v1/auth/me", headers=bearer).json()["id"]
    assert browser.delete("/v1/users/me", headers=bearer).status_code == 204
    fresh = browser.get("/v1/auth/me", headers=bearer_of(browser, sign_in(browser, provider, subject))).json()
    assert fresh["id"] != gone and fresh["email"] == email


def test_the_web_app_gets_a_browser_session_from_its_login_code(browser: httpx.Client, provider: oidc.Provider) -> None:
    back = sign_in(browser, provider, new_subject(provider)[0])
    session = browser.post("/v1/auth/oauth/exchange", json={"login_code": back["login_code"]},
                           headers={"X-Requested-With": "tourbook"})
    assert session.status_code == 200, session.text
    assert "refresh_token" not in session.json()  # it is in the HttpOnly cookie only
    assert "HttpOnly" in session.headers["set-cookie"] and "tb_refresh" in browser.cookies
    refreshed = browser.post("/v1/auth/session/refresh", headers={"X-Requested-With": "tourbook"})
    assert refreshed.status_code == 200, refreshed.text
