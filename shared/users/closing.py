"""Ending sessions and closing accounts: what deleting an account needs, without the rest of the users' services.

Closing an account is a booking function's import (`bookings.accounts`), and the users' services bring the
request schemas, the account mail and its tokens, none of which it uses.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, column, delete, func, select, table, update

from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.users.errors import LastAdminError
from shared.users.logins import LoginEvent
from shared.users.models import TokenFamily, User

# Rows of other features that name the account and go with it (a provider's sign-in, a Telegram chat must not
# find it again); deleted through table clauses, not their features' models and services.
_LINKS = (table("user_identity", column("user_id")), table("telegram_link", column("user_id")))


async def revoke_families(uow: UnitOfWork, condition: ColumnElement[bool], *, reason: str, now: dt.datetime) -> None:
    await uow.session.execute(
        update(TokenFamily)
        .where(condition, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


async def lock_admins(uow: UnitOfWork) -> None:
    # Serialises "is this the last admin?" checks, so two admins cannot both step down at once.
    await uow.session.execute(select(func.pg_advisory_xact_lock(0x70B0_0AD1)))


async def active_admins(uow: UnitOfWork) -> int:
    return int(await uow.session.scalar(select(func.count()).where(User.role == "admin", User.is_active)) or 0)


async def delete_me(uow: UnitOfWork, *, user: User) -> None:
    """Remove the caller's personal data; the rows others depend on stay, anonymised."""
    await lock_admins(uow)
    if user.role == "admin" and await active_admins(uow) <= 1:
        raise LastAdminError("The last active admin cannot delete their account")
    now = utcnow()
    await revoke_families(uow, TokenFamily.user_id == user.id, reason="account_deleted", now=now)
    await uow.session.execute(delete(LoginEvent).where(LoginEvent.user_id == user.id))
    for link in _LINKS:
        await uow.session.execute(delete(link).where(link.c.user_id == user.id))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.full_name = "Deleted user"
    user.password_hash = None
    user.avatar_key, user.avatar_thumbnail_keys = None, {}
    user.is_active = False
    user.deleted_at = user.updated_at = now
    await uow.commit()
