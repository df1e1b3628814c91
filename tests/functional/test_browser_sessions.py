"""Browser sessions, as Lambda calls them: the refresh token only ever in the HttpOnly cookie."""
from __future__ import annotations

from http.cookies import SimpleCookie

from functions.auth import end_session, get_me, refresh_session, start_session
from tests.support.accounts import create_account
from tests.support.builders import DEFAULT_PASSWORD, unique_email
from tests.support.invoke import Reply, invoke

CSRF = {"x-requested-with": "tourbook"}


def registered_user() -> str:
    email = unique_email("browser")
    create_account(email)
    return email


def _cookie(reply: Reply) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(reply.headers["set-cookie"])
    return cookie


def _sign_in(email: str) -> Reply:
    return invoke(start_session.handler, "POST", "/v1/auth/session",
                  json_body={"email": email, "password": DEFAULT_PASSWORD})


def _refresh(token: str, headers: dict[str, str] = CSRF) -> Reply:
    return invoke(refresh_session.handler, "POST", "/v1/auth/session/refresh",
                  headers={**headers, "cookie": f"tb_refresh={token}"})


def test_signing_in_sets_an_http_only_strict_cookie_and_returns_only_the_access_token() -> None:
    email = registered_user()
    reply = _sign_in(email)
    assert reply.status == 200
    assert set(reply.json()) == {"access_token", "token_type", "expires_in"}
    assert reply.headers["cache-control"] == "no-store"
    morsel = _cookie(reply)["tb_refresh"]
    assert morsel.value and morsel["httponly"] and morsel["secure"]
    assert (morsel["samesite"], morsel["path"]) == ("strict", "/v1/auth/session")
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=reply.json()["access_token"]).json()["email"] == email


def test_refresh_rotates_the_cookie_and_a_reused_cookie_ends_the_session() -> None:
    signed_in = _sign_in(registered_user())
    first = _cookie(signed_in)["tb_refresh"].value
    refreshed = _refresh(first)
    assert refreshed.status == 200
    second = _cookie(refreshed)["tb_refresh"].value
    assert second != first
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=refreshed.json()["access_token"]).status == 200

    assert _refresh(first).status == 401  # a stolen, already rotated cookie: the whole family ends
    assert _refresh(second).status == 401
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=refreshed.json()["access_token"]).status == 401


def test_refresh_and_sign_out_need_the_csrf_header() -> None:
    token = _cookie(_sign_in(registered_user()))["tb_refresh"].value
    refused = _refresh(token, headers={})
    assert (refused.status, refused.json()["code"]) == (403, "forbidden")
    signed_out = invoke(end_session.handler, "DELETE", "/v1/auth/session", headers={"cookie": f"tb_refresh={token}"})
    assert signed_out.status == 403
    assert _refresh(token).status == 200  # neither refused request changed anything


def test_refresh_without_a_cookie_is_401() -> None:
    reply = invoke(refresh_session.handler, "POST", "/v1/auth/session/refresh", headers=CSRF)
    assert (reply.status, reply.json()["code"]) == (401, "unauthorized")


def test_signing_out_ends_the_family_and_clears_the_cookie() -> None:
    signed_in = _sign_in(registered_user())
    token, access = _cookie(signed_in)["tb_refresh"].value, signed_in.json()["access_token"]
    reply = invoke(end_session.handler, "DELETE", "/v1/auth/session", headers={**CSRF, "cookie": f"tb_refresh={token}"})
    assert (reply.status, reply.body) == (204, b"")
    cleared = _cookie(reply)["tb_refresh"]
    assert cleared.value == "" and cleared["max-age"] == "0" and cleared["path"] == "/v1/auth/session"
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=access).status == 401
    assert _refresh(token).status == 401
    again = invoke(end_session.handler, "DELETE", "/v1/auth/session", headers=CSRF)  # no cookie: still signed out
    assert again.status == 204


def test_wrong_password_sets_no_cookie() -> None:
    reply = invoke(start_session.handler, "POST", "/v1/auth/session",
                   json_body={"email": registered_user(), "password": "not the password"})
    assert reply.status == 401 and "set-cookie" not in reply.headers
