"""Accounts by e-mail: verifying the address, resetting a lost password.

Each sends a single-use token (`account_tokens`) in an e-mail; the e-mail is an outbox event written in
the transaction that stores the token, so it is sent once that commits, and never lost. A reset ends
every session of the account. A reset request answers the same, in the same time, whether the address
has an account or not.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
import uuid

from sqlalchemy import func, select, update

from shared.core import outbox, passwords
from shared.core.cache import get_cache
from shared.core.errors import RateLimitedError
from shared.core.orm import utcnow
from shared.users.config import account_settings
from shared.core.uow import UnitOfWork
from shared.users.account_tokens import RESET_PASSWORD, VERIFY_EMAIL, AccountToken, fingerprint, new_token, seal
from shared.users.errors import InvalidTokenError
from shared.users.models import TokenFamily, User

EVENTS = {VERIFY_EMAIL: "account.verify_email", RESET_PASSWORD: "account.reset_password"}


def issue(uow: UnitOfWork, user: User, purpose: str) -> None:
    """Add a token and the event of its e-mail to the current transaction (the caller commits)."""
    settings = account_settings()
    ttl = settings.email_verification_ttl_seconds if purpose == VERIFY_EMAIL else settings.password_reset_ttl_seconds
    token, now = new_token(), utcnow()
    row = AccountToken(id=uuid.uuid4(), user_id=user.id, purpose=purpose, token_hash=fingerprint(token),
                       created_at=now, expires_at=now + dt.timedelta(seconds=ttl))
    uow.session.add(row)
    outbox.record(uow, EVENTS[purpose], aggregate_id=user.id, user_id=user.id, payload={
        "token_id": str(row.id), "sealed_token": seal(token, purpose=purpose, token_id=row.id),
        "expires_at": row.expires_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
    })


async def request_verification(uow: UnitOfWork, *, user: User) -> None:
    """Send the caller a new verification e-mail (at most `EMAIL_VERIFICATION_MAX_PER_HOUR`); none once verified."""
    # The user's row serialises two requests at once, so the hourly count holds.
    await uow.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if user.email_verified:
        return
    hour_ago = utcnow() - dt.timedelta(hours=1)
    sent = await uow.session.scalar(
        select(func.count()).where(AccountToken.user_id == user.id, AccountToken.purpose == VERIFY_EMAIL,
                                   AccountToken.created_at > hour_ago)
    )
    if (sent or 0) >= account_settings().email_verification_max_per_hour:
        oldest = await uow.session.scalar(
            select(func.min(AccountToken.created_at)).where(
                AccountToken.user_id == user.id, AccountToken.purpose == VERIFY_EMAIL,
                AccountToken.created_at > hour_ago)
        )
        retry_after = int(((oldest or utcnow()) - hour_ago).total_seconds()) + 1
        raise RateLimitedError(retry_after, "Too many verification e-mails; try again later")
    issue(uow, user, VERIFY_EMAIL)
    await uow.commit()


async def verify_email(uow: UnitOfWork, *, token: str) -> User:
    """Mark the address of the token's account verified; the token works once."""
    user = await _use(uow, token, VERIFY_EMAIL)
    user.email_verified = True
    user.updated_at = utcnow()
    await uow.commit()
    return user


async def request_password_reset(uow: UnitOfWork, *, email: str, ip: str) -> None:
    """E-mail a reset link if the address has an active account; the caller learns nothing either way."""
    started = time.monotonic()
    settings = account_settings()
    email = email.strip().lower()
    try:
        key = "rl:reset:" + hashlib.sha256(f"{email}|{ip}".encode()).hexdigest()
        count, retry_after = await get_cache().incr(key, settings.password_reset_window_seconds)
        if count > settings.password_reset_max_per_email_ip:
            raise RateLimitedError(retry_after, "Too many password reset requests; try again later")
        user = await uow.session.scalar(
            select(User).where(User.email == email, User.is_active, User.deleted_at.is_(None))
        )
        if user is not None:
            issue(uow, user, RESET_PASSWORD)
            await uow.commit()
    finally:
        # The same time for every answer: a known address costs an insert, a commit and a dispatch.
        await asyncio.sleep(max(0.0, settings.password_reset_answer_seconds - (time.monotonic() - started)))


async def reset_password(uow: UnitOfWork, *, token: str, password: str) -> None:
    """Set a new password with a reset token; every session of the account ends and the token is spent."""
    password_hash = await passwords.hash_password(password)
    user = await _use(uow, token, RESET_PASSWORD)
    now = utcnow()
    user.password_hash = password_hash
    user.email_verified = True  # the link reached this address
    user.updated_at = now
    await uow.session.execute(  # the other links sent to reset this account stop working too
        update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == RESET_PASSWORD,
                                   AccountToken.used_at.is_(None)).values(used_at=now)
    )
    await uow.session.execute(
        update(TokenFamily).where(TokenFamily.user_id == user.id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="password_reset")
    )
    await uow.commit()


async def _use(uow: UnitOfWork, token: str, purpose: str) -> User:
    """Spend a token (once, whatever the concurrency) and return its account, locked; else 400 invalid_token."""
    now = utcnow()
    user_id = await uow.session.scalar(
        update(AccountToken)
        .where(AccountToken.token_hash == fingerprint(token), AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None), AccountToken.expires_at > now)
        .values(used_at=now).returning(AccountToken.user_id)
    )
    user = None if user_id is None else await uow.session.scalar(
        select(User).where(User.id == user_id, User.is_active, User.deleted_at.is_(None)).with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        await uow.rollback()
        raise InvalidTokenError("This link is unknown, used or expired; ask for a new one")
    return user
