"""The auth and user endpoints called as Lambda calls them: handler(event, context)."""
from __future__ import annotations

import json
import os
from typing import Any

import pytest

from functions.auth import get_me, log_in, log_out, refresh_tokens, register_user
from functions.system import get_health
from functions.users import delete_me, list_logins, update_me
from shared.core.settings import reset_settings
from tests.support.builders import unique_email
from tests.support.invoke import Reply, invoke

PASSWORD = "a long enough password"


def _register(email: str, password: str = PASSWORD) -> Reply:
    return invoke(register_user.handler, "POST", "/v1/auth/register",
                  json_body={"email": email, "password": password, "full_name": "Journey Tester"})


def _log_in(email: str, password: str = PASSWORD) -> Reply:
    return invoke(log_in.handler, "POST", "/v1/auth/login", json_body={"email": email, "password": password})


def _me(token: str) -> Reply:
    return invoke(get_me.handler, "GET", "/v1/auth/me", token=token)


def test_register_login_me_refresh_logout() -> None:
    email = unique_email("journey")
    registered = _register(email)
    assert registered.status == 201
    user = registered.json()
    assert set(user) == {"id", "email", "full_name", "role", "is_active", "avatar_url", "avatar_thumbnails",
                         "email_verified", "locale", "has_password", "created_at"}
    assert user["email_verified"] is False and user["locale"] == "en" and user["has_password"] is True
    assert (user["email"], user["role"], user["is_active"], user["avatar_url"]) == (email, "user", True, None)

    logged_in = _log_in(email.upper())
    assert logged_in.status == 200
    tokens = logged_in.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    assert _me(tokens["access_token"]).json() == user

    refreshed = invoke(refresh_tokens.handler, "POST", "/v1/auth/refresh",
                       json_body={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200
    fresh = refreshed.json()

    logged_out = invoke(log_out.handler, "POST", "/v1/auth/logout", token=fresh["access_token"])
    assert (logged_out.status, logged_out.body) == (204, b"")
    for token in (fresh["access_token"], tokens["access_token"]):
        refused = _me(token)
        assert refused.status == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["code"] == "unauthorized"
    reused = invoke(refresh_tokens.handler, "POST", "/v1/auth/refresh",
                    json_body={"refresh_token": fresh["refresh_token"]})
    assert reused.status == 401


def test_login_accepts_the_oauth2_password_form() -> None:
    email = unique_email("form")
    _register(email)
    reply = invoke(log_in.handler, "POST", "/v1/auth/login",
                   body=f"grant_type=password&username={email}&password={PASSWORD.replace(' ', '+')}".encode(),
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert reply.status == 200 and reply.json()["access_token"]


def _without_request_id(reply: Reply) -> dict[str, Any]:
    return {name: value for name, value in reply.json().items() if name != "request_id"}


def test_bad_logins_share_one_answer() -> None:
    email = unique_email("bad")
    _register(email)
    wrong = _log_in(email, "not the password")
    unknown = _log_in(unique_email("nobody"))
    assert wrong.status == unknown.status == 401
    assert wrong.json()["request_id"] == wrong.headers["x-request-id"] != unknown.json()["request_id"]
    assert _without_request_id(wrong) == _without_request_id(unknown) == {
        "type": "https://tourbook.dev/problems/invalid_credentials", "status": 401, "code": "invalid_credentials",
        "title": "Invalid email or password", "detail": "The email or password is not correct",
        "instance": "/v1/auth/login",
    }


def test_the_sixth_failed_login_is_rate_limited() -> None:
    email = unique_email("limited")
    _register(email)
    statuses = [_log_in(email, "wrong password").status for _ in range(5)]
    limited = _log_in(email)
    assert statuses == [401] * 5
    assert limited.status == 429 and int(limited.headers["retry-after"]) > 0
    assert limited.json()["code"] == "rate_limited"


def test_profile_changes_history_and_deletion() -> None:
    email = unique_email("profile")
    _register(email)
    token = _log_in(email).json()["access_token"]

    renamed = invoke(update_me.handler, "PATCH", "/v1/users/me", token=token, json_body={"full_name": "New Name"})
    assert renamed.status == 200 and renamed.json()["full_name"] == "New Name"
    escalation = invoke(update_me.handler, "PATCH", "/v1/users/me", token=token, json_body={"role": "admin"})
    assert escalation.status == 422 and escalation.json()["errors"][0]["loc"] == ["body", "role"]
    assert _me(token).json()["role"] == "user"

    history = invoke(list_logins.handler, "GET", "/v1/users/me/logins", token=token, query={"limit": "5"})
    assert history.status == 200
    assert [item["success"] for item in history.json()["items"]] == [True]
    assert history.json()["next_cursor"] is None

    deleted = invoke(delete_me.handler, "DELETE", "/v1/users/me", token=token)
    assert deleted.status == 204
    assert _me(token).status == 401
    assert _log_in(email).status == 401


def test_a_password_change_signs_out_everywhere() -> None:
    email = unique_email("rotate")
    _register(email)
    token = _log_in(email).json()["access_token"]
    missing = invoke(update_me.handler, "PATCH", "/v1/users/me", token=token, json_body={"password": "brand new pw"})
    assert missing.status == 422
    changed = invoke(update_me.handler, "PATCH", "/v1/users/me", token=token,
                     json_body={"password": "brand new pw", "current_password": PASSWORD})
    assert changed.status == 200
    assert _me(token).status == 401
    assert _log_in(email, "brand new pw").status == 200


def test_protected_endpoints_refuse_missing_and_bad_tokens() -> None:
    assert _me("").status == 401
    assert invoke(get_me.handler, "GET", "/v1/auth/me", headers={"authorization": "Basic Zm9vOmJhcg=="}).status == 401
    assert _me("not.a.token").status == 401
    email = unique_email("rt")
    _register(email)
    refresh_token = _log_in(email).json()["refresh_token"]
    assert _me(refresh_token).status == 401


def test_no_response_contains_a_password_or_a_hash() -> None:
    email = unique_email("secret")
    replies = [_register(email, "s3cret-value-xyz"), _log_in(email, "s3cret-value-xyz"),
               _register(email, "s3cret-value-xyz"), _register(unique_email(), "short")]
    for reply in replies:
        assert b"s3cret-value-xyz" not in reply.body and b"$2b$" not in reply.body
        assert "password_hash" not in json.loads(reply.body)


def test_health_reports_database_and_cache() -> None:
    reply = invoke(get_health.handler, "GET", "/v1/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_no_log_line_contains_a_password_or_a_hash(capsys: pytest.CaptureFixture[str]) -> None:
    email = unique_email("logs")
    _register(email, "s3cret-in-logs-123")
    _log_in(email, "s3cret-in-logs-123")
    _log_in(email, "wrong-s3cret-in-logs")
    _register(email, "s3cret-in-logs-123")
    output = capsys.readouterr().out
    assert output.count('"logger":"tourbook.access"') == 4
    assert "s3cret-in-logs" not in output and "$2b$" not in output


def test_health_is_degraded_without_the_cache_and_503_without_the_database(database_url: str) -> None:
    os.environ["REDIS_URL"] = "redis://127.0.0.1:1/0"
    reply = invoke(get_health.handler, "GET", "/v1/health", cold=True)
    assert reply.status == 200
    assert reply.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "down"}}
    os.environ["DATABASE_URL"] = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none"
    reset_settings()
    reply = invoke(get_health.handler, "GET", "/v1/health", cold=True)
    assert reply.status == 503
    assert reply.json() == {"status": "degraded", "checks": {"database": "down", "cache": "down"}}


def test_auth_keeps_working_while_redis_is_down() -> None:
    os.environ["REDIS_URL"] = "redis://127.0.0.1:1/0"
    email = unique_email("noredis")
    assert invoke(register_user.handler, "POST", "/v1/auth/register", cold=True,
                  json_body={"email": email, "password": PASSWORD}).status == 201
    reply = invoke(log_in.handler, "POST", "/v1/auth/login", cold=True,
                   json_body={"email": email, "password": PASSWORD})
    assert reply.status == 200
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=reply.json()["access_token"], cold=True).status == 200


def test_a_dead_pushgateway_fails_no_request() -> None:
    os.environ["PUSHGATEWAY_URL"] = "http://127.0.0.1:1"
    os.environ["METRICS_PUSH_INTERVAL_SECONDS"] = "0"
    for _ in range(3):
        assert invoke(get_health.handler, "GET", "/v1/health", cold=True).status == 200


def test_a_database_outage_is_a_503_not_a_500() -> None:
    os.environ["DATABASE_URL"] = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none"
    reply = invoke(log_in.handler, "POST", "/v1/auth/login", cold=True,
                   json_body={"email": unique_email(), "password": PASSWORD})
    assert reply.status == 503 and reply.json()["code"] == "unavailable"
