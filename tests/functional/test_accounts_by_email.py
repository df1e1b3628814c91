"""Accounts by e-mail, through the handlers as Lambda calls them: verification and password reset.

The links' tokens are read back from the outbox events that carry their e-mails (sealed there, as the mail
channel reads them); tests/e2e/test_mail_journeys.py takes them from the captured e-mails themselves.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import uuid

from sqlalchemy import select, update

from functions.auth import (
    get_me, log_in, refresh_tokens, register_user, request_email_verification, request_password_reset, reset_password,
    verify_email,
)
from functions.users import update_me
from shared.core.outbox import OutboxEvent
from shared.core.uow import UnitOfWork
from shared.users.account_tokens import AccountToken, unseal
from tests.support.builders import DEFAULT_PASSWORD, unique_email
from tests.support.invoke import Reply, invoke, run_in_environment

PURPOSES = {"account.verify_email": "verify_email", "account.reset_password": "reset_password"}


async def _events(email: str, type: str) -> list[OutboxEvent]:
    from shared.users.models import User

    async with UnitOfWork() as uow:
        user_id = await uow.session.scalar(select(User.id).where(User.email == email))
        return list(await uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.user_id == user_id, OutboxEvent.type == type)
            .order_by(OutboxEvent.created_at)
        ))


def _tokens(email: str, type: str) -> list[str]:
    """The tokens of the e-mails of this type sent to `email`, oldest first."""
    return [unseal(event.payload["sealed_token"], purpose=PURPOSES[type], token_id=uuid.UUID(event.payload["token_id"]))
            for event in run_in_environment(_events(email, type))]


def _register(email: str, locale: str = "en") -> Reply:
    return invoke(register_user.handler, "POST", "/v1/auth/register",
                  json_body={"email": email, "password": DEFAULT_PASSWORD, "locale": locale})


def _log_in(email: str, password: str = DEFAULT_PASSWORD) -> Reply:
    return invoke(log_in.handler, "POST", "/v1/auth/login", json_body={"email": email, "password": password})


def _verify(token: str) -> Reply:
    return invoke(verify_email.handler, "POST", "/v1/auth/verify-email", json_body={"token": token})


def _ask_reset(email: str, ip_headers: dict[str, str] | None = None) -> Reply:
    return invoke(request_password_reset.handler, "POST", "/v1/auth/password-reset", json_body={"email": email},
                  headers=ip_headers)


def _reset(token: str, password: str) -> Reply:
    return invoke(reset_password.handler, "POST", "/v1/auth/password-reset/confirm",
                  json_body={"token": token, "password": password})


def test_registration_sends_a_verification_link_that_verifies_the_address_once() -> None:
    email = unique_email("verify")
    registered = _register(email, locale="ru")
    assert registered.status == 201
    assert registered.json()["email_verified"] is False and registered.json()["locale"] == "ru"
    (token,) = _tokens(email, "account.verify_email")
    assert len(token) >= 43  # 32 random bytes, base64url

    verified = _verify(token)
    assert verified.status == 200, verified.body
    assert verified.json()["email_verified"] is True and verified.json()["email"] == email
    access = _log_in(email).json()["access_token"]
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=access).json()["email_verified"] is True

    again = _verify(token)
    assert again.status == 400 and again.json()["code"] == "invalid_token"
    assert again.headers["content-type"] == "application/problem+json"
    assert _verify("not-a-token").json()["code"] == "invalid_token"


def test_the_outbox_never_holds_a_usable_token() -> None:
    email = unique_email("sealed")
    _register(email)
    (event,) = run_in_environment(_events(email, "account.verify_email"))
    assert _verify(event.payload["sealed_token"]).status == 400  # sealed, it is not the token
    (token,) = _tokens(email, "account.verify_email")
    assert token not in str(event.payload)


def test_a_verification_link_expires() -> None:
    email = unique_email("expired")
    _register(email)
    (token,) = _tokens(email, "account.verify_email")
    run_in_environment(_expire_tokens(email))
    assert _verify(token).json()["code"] == "invalid_token"


async def _expire_tokens(email: str) -> None:
    from shared.users.models import User

    async with UnitOfWork() as uow:
        user_id = select(User.id).where(User.email == email).scalar_subquery()
        await uow.session.execute(update(AccountToken).where(AccountToken.user_id == user_id)
                                  .values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
        await uow.commit()


def test_a_signed_in_user_asks_for_new_links_at_most_three_an_hour() -> None:
    email = unique_email("resend")
    _register(email)  # the first of the hour
    access = _log_in(email).json()["access_token"]
    for _ in range(2):
        asked = invoke(request_email_verification.handler, "POST", "/v1/auth/verify-email/request", token=access)
        assert asked.status == 202 and asked.json() == {"status": "accepted"}
    refused = invoke(request_email_verification.handler, "POST", "/v1/auth/verify-email/request", token=access)
    assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
    assert len(_tokens(email, "account.verify_email")) == 3
    assert invoke(request_email_verification.handler, "POST", "/v1/auth/verify-email/request").status == 401


def test_a_verified_address_gets_no_more_links() -> None:
    email = unique_email("done")
    _register(email)
    _verify(_tokens(email, "account.verify_email")[0])
    access = _log_in(email).json()["access_token"]
    assert invoke(request_email_verification.handler, "POST", "/v1/auth/verify-email/request",
                  token=access).status == 202
    assert len(_tokens(email, "account.verify_email")) == 1


def test_password_reset_sets_the_new_password_ends_every_session_and_works_once() -> None:
    email = unique_email("reset")
    _register(email)
    session = _log_in(email).json()
    asked = _ask_reset(email.upper())
    assert asked.status == 202 and asked.json() == {"status": "accepted"}
    (token,) = _tokens(email, "account.reset_password")

    done = _reset(token, "a brand new password")
    assert done.status == 204 and done.body == b""

    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=session["access_token"]).status == 401
    refreshed = invoke(refresh_tokens.handler, "POST", "/v1/auth/refresh",
                       json_body={"refresh_token": session["refresh_token"]})
    assert refreshed.status == 401
    assert _log_in(email).status == 401
    fresh = _log_in(email, "a brand new password")
    assert fresh.status == 200
    me = invoke(get_me.handler, "GET", "/v1/auth/me", token=fresh.json()["access_token"]).json()
    assert me["email_verified"] is True and me["has_password"] is True  # the link reached the address

    reused = _reset(token, "yet another password")
    assert reused.status == 400 and reused.json()["code"] == "invalid_token"
    assert _log_in(email, "yet another password").status == 401


def test_a_newer_reset_spends_the_older_links() -> None:
    email = unique_email("two-links")
    _register(email)
    _ask_reset(email)
    _ask_reset(email)
    first, second = _tokens(email, "account.reset_password")
    assert _reset(second, "the second password").status == 204
    assert _reset(first, "the first password").json()["code"] == "invalid_token"


def test_an_unknown_address_gets_the_same_answer_in_the_same_time() -> None:
    os.environ["PASSWORD_RESET_ANSWER_SECONDS"] = "0.3"
    email = unique_email("known")
    _register(email)
    timings: dict[str, float] = {}
    replies: dict[str, Reply] = {}
    for name, address in (("known", email), ("unknown", unique_email("nobody"))):
        started = time.monotonic()
        replies[name] = invoke(request_password_reset.handler, "POST", "/v1/auth/password-reset",
                               json_body={"email": address}, cold=True)
        timings[name] = time.monotonic() - started
    assert replies["known"].status == replies["unknown"].status == 202
    assert replies["known"].body == replies["unknown"].body
    assert replies["known"].headers.keys() == replies["unknown"].headers.keys()
    assert min(timings.values()) >= 0.3  # both padded to the same answer time
    assert len(_tokens(email, "account.reset_password")) == 1


def test_reset_requests_are_limited_per_address_and_client() -> None:
    email = unique_email("limited")
    headers = {"x-forwarded-for": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    os.environ["PASSWORD_RESET_ANSWER_SECONDS"] = "0"
    replies = [_ask_reset(email, headers) for _ in range(6)]
    assert [reply.status for reply in replies] == [202] * 5 + [429]
    assert replies[-1].json()["code"] == "rate_limited" and "retry-after" in replies[-1].headers


def test_bad_reset_bodies_are_422_and_change_nothing() -> None:
    email = unique_email("bad")
    _register(email)
    _ask_reset(email)
    (token,) = _tokens(email, "account.reset_password")
    short = _reset(token, "short")
    assert short.status == 422 and short.json()["errors"][0]["loc"] == ["body", "password"]
    assert _reset(token, "long enough password").status == 204  # the 422 did not spend it
    assert _ask_reset("").status == 422
    assert _ask_reset("0").status == 422  # not an address at all
    assert invoke(verify_email.handler, "POST", "/v1/auth/verify-email", json_body={"token": 5}).status == 422


def test_the_account_page_changes_the_e_mail_language() -> None:
    email = unique_email("locale")
    _register(email)
    access = _log_in(email).json()["access_token"]
    changed = invoke(update_me.handler, "PATCH", "/v1/users/me", json_body={"locale": "ru"}, token=access)
    assert changed.status == 200 and changed.json()["locale"] == "ru"
    assert invoke(update_me.handler, "PATCH", "/v1/users/me", json_body={"locale": "de"}, token=access).status == 422
