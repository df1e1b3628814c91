"""Accounts and sessions: register, log in, rotate refresh tokens, log out, change, delete."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shared.core import pages, passwords, tokens
from shared.core.cache import get_cache
from shared.core.errors import (
    InvalidCredentialsError,
    InvalidUploadError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    ValidationError,
)
from shared.core.orm import utcnow
from shared.core.schemas import Page, PresignedPost
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.users import account_mail, closing, schemas
from shared.users.account_tokens import VERIFY_EMAIL
from shared.users.config import account_settings
from shared.users.errors import AccountDisabledError, EmailTakenError, LastAdminError
from shared.users.logins import LoginEvent, RefreshToken
from shared.users.models import TokenFamily, User


async def register_user(uow: UnitOfWork, *, data: schemas.RegisterIn, ip: str) -> User:
    """Create an account with the `user` role."""
    settings = account_settings()
    count, retry_after = await get_cache().incr(f"rl:register:{ip}", settings.register_window_seconds)
    if count > settings.register_max_per_ip:
        raise RateLimitedError(retry_after, "Too many registrations from this address; try again later")
    user = User(
        id=uuid.uuid4(), email=data.email.lower(), full_name=data.full_name, role="user", locale=data.locale,
        email_verified=False, password_hash=await passwords.hash_password(data.password),
    )
    uow.session.add(user)
    try:
        await uow.session.flush()
    except IntegrityError:
        await uow.rollback()
        raise EmailTakenError("An account with this email already exists") from None
    account_mail.issue(uow, user, VERIFY_EMAIL)
    await uow.commit()
    return user


async def log_in(uow: UnitOfWork, *, email: str, password: str, ip: str, user_agent: str) -> schemas.TokensOut:
    """Check the password and open a new token family."""
    settings = account_settings()
    email = email.strip().lower()
    limit_key = "rl:login:" + hashlib.sha256(f"{email}|{ip}".encode()).hexdigest()
    failures, retry_after = await get_cache().peek(limit_key)
    user = await uow.session.scalar(select(User).where(User.email == email))
    if failures >= settings.login_max_failures:
        await _record_login(uow, user, ip=ip, user_agent=user_agent, success=False)
        raise RateLimitedError(retry_after, "Too many failed logins; try again later")
    if not await passwords.verify_password(password, user.password_hash if user else None):
        await get_cache().incr(limit_key, settings.login_failure_window_seconds)
        await _record_login(uow, user, ip=ip, user_agent=user_agent, success=False)
        raise InvalidCredentialsError("The email or password is not correct")
    assert user is not None  # a verified password belongs to a user
    if not user.is_active:
        await _record_login(uow, user, ip=ip, user_agent=user_agent, success=False)
        raise AccountDisabledError("This account has been deactivated")
    return await open_session(uow, user, ip=ip, user_agent=user_agent)


async def open_session(uow: UnitOfWork, user: User, *, ip: str, user_agent: str) -> schemas.TokensOut:
    """A new token family for a user signed in (with a password, or with another provider), its sign-in logged."""
    family = TokenFamily(id=uuid.uuid4(), user_id=user.id)
    uow.session.add(family)
    uow.session.add(LoginEvent(user_id=user.id, ip=ip, user_agent=user_agent, success=True))
    await uow.session.flush()  # the family row first: refresh tokens point at it
    issued = await _issue_tokens(uow, user, family_id=family.id)
    await uow.commit()
    return issued


async def refresh_tokens(uow: UnitOfWork, *, refresh_token: str) -> schemas.TokensOut:
    """Rotate a refresh token; reusing a rotated one ends its whole family."""
    now = utcnow()
    row = (
        await uow.session.execute(
            select(RefreshToken, TokenFamily, User)
            .join(TokenFamily, RefreshToken.family_id == TokenFamily.id)
            .join(User, TokenFamily.user_id == User.id)
            .where(RefreshToken.token_hash == tokens.fingerprint(refresh_token))
            .with_for_update(of=RefreshToken)
        )
    ).one_or_none()
    if row is None:
        raise UnauthorizedError("The refresh token is not valid")
    stored, family, user = row
    if stored.used_at is not None:
        if family.revoked_at is None:
            await closing.revoke_families(uow, TokenFamily.id == family.id, reason="reuse", now=now)
            await uow.commit()
        raise UnauthorizedError("The refresh token has already been used")
    if family.revoked_at is not None or not user.is_active or stored.expires_at <= now:
        raise UnauthorizedError("The refresh token is no longer valid")
    stored.used_at = now
    issued = await _issue_tokens(uow, user, family_id=family.id, now=now)
    await uow.commit()
    return issued


async def log_out(uow: UnitOfWork, *, user: User, family_id: uuid.UUID, refresh_token: str | None) -> None:
    """End the caller's token family (and the family of `refresh_token`, if it is theirs)."""
    condition = TokenFamily.id == family_id
    if refresh_token:
        other = select(RefreshToken.family_id).where(RefreshToken.token_hash == tokens.fingerprint(refresh_token))
        condition = condition | TokenFamily.id.in_(other.scalar_subquery())
    await closing.revoke_families(uow, condition & (TokenFamily.user_id == user.id), reason="logout", now=utcnow())
    await uow.commit()


async def end_session(uow: UnitOfWork, *, refresh_token: str) -> None:
    """End the token family `refresh_token` belongs to (a browser signing out); an unknown token ends nothing."""
    family = select(RefreshToken.family_id).where(RefreshToken.token_hash == tokens.fingerprint(refresh_token))
    await closing.revoke_families(uow, TokenFamily.id.in_(family.scalar_subquery()), reason="logout", now=utcnow())
    await uow.commit()


async def update_me(uow: UnitOfWork, *, user: User, data: schemas.UserUpdate) -> User:
    """Change the caller's name, e-mail language or password; a new password signs out every session."""
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.locale is not None:
        user.locale = data.locale
    if data.password is not None:
        if not await passwords.verify_password(data.current_password or "", user.password_hash):
            raise ValidationError(
                [{"loc": ["body", "current_password"], "msg": "The current password is not correct",
                  "type": "invalid_password"}],
            )
        user.password_hash = await passwords.hash_password(data.password)
        await closing.revoke_families(uow, TokenFamily.user_id == user.id, reason="password_change", now=utcnow())
    user.updated_at = utcnow()
    await uow.commit()
    return user


async def list_logins(uow: UnitOfWork, *, user: User, limit: int, cursor: str | None) -> Page[schemas.LoginEventOut]:
    """The caller's login attempts, newest first."""
    statement = select(LoginEvent).where(LoginEvent.user_id == user.id)
    return await pages.newest_first(uow, statement, at=LoginEvent.at, id=LoginEvent.id, limit=limit, cursor=cursor,
                                    out=schemas.LoginEventOut.model_validate)


async def ensure_user(uow: UnitOfWork, *, email: str, password: str, role: str, full_name: str | None) -> User:
    """Create or restore an account (demo users, the admin command) without touching other data."""
    email = email.strip().lower()
    user = await uow.session.scalar(select(User).where(User.email == email).with_for_update())
    if user is None:
        user = User(email=email)
        uow.session.add(user)
    user.full_name = user.full_name or full_name
    user.role = role
    user.is_active = True
    user.deleted_at = None
    user.email_verified = True  # the demo accounts and the admin command's: addresses someone vouched for
    user.password_hash = await passwords.hash_password(password)
    await uow.commit()
    return user


async def _issue_tokens(
    uow: UnitOfWork, user: User, *, family_id: uuid.UUID, now: dt.datetime | None = None
) -> schemas.TokensOut:
    now = now or utcnow()
    refresh_token = tokens.new_refresh_token()
    uow.session.add(
        RefreshToken(
            family_id=family_id, token_hash=tokens.fingerprint(refresh_token),
            expires_at=now + dt.timedelta(seconds=account_settings().refresh_token_ttl_seconds),
        )
    )
    access_token = tokens.issue_access_token(user_id=user.id, family_id=family_id, role=user.role, now=now)
    return schemas.TokensOut(
        access_token=access_token, refresh_token=refresh_token, expires_in=get_settings().access_token_ttl_seconds
    )


async def _record_login(uow: UnitOfWork, user: User | None, *, ip: str, user_agent: str, success: bool) -> None:
    if user is not None and user.deleted_at is None:
        uow.session.add(LoginEvent(user_id=user.id, ip=ip, user_agent=user_agent, success=success))
        await uow.commit()


async def request_avatar_upload(user: User, *, content_type: str) -> schemas.AvatarUploadOut:
    """A presigned POST for a new avatar (PNG, JPEG or WebP, at most 5 MiB)."""
    from shared.core import uploads

    key = f"avatars/{user.id}/{uuid.uuid4()}.{uploads.EXTENSIONS[content_type]}"
    post = uploads.presigned_post(key, content_type)
    return schemas.AvatarUploadOut(upload=PresignedPost(**post), key=key, expires_in=uploads.UPLOAD_TTL_SECONDS)


async def confirm_avatar(uow: UnitOfWork, *, user: User, key: str) -> User:
    """Show an uploaded avatar once its bytes prove it is an image; only the caller's own uploads count."""
    from shared.core import uploads

    if not key.startswith(f"avatars/{user.id}/") or ".." in key:
        raise InvalidUploadError("This upload key is not one of yours")
    uploads.verify_image(key)
    from shared.thumbnails import services as thumbnails  # only here: it reads the bucket

    user.avatar_key = key
    user.avatar_thumbnail_keys = thumbnails.existing(key)  # made already when the upload's event came first
    user.updated_at = utcnow()
    await uow.commit()
    return user


async def list_users(uow: UnitOfWork, *, query: schemas.AdminUsersQuery) -> Page[schemas.UserOut]:
    """Accounts newest first, by email or name (`q`), role and whether they are active (admins)."""
    statement = select(User).where(User.deleted_at.is_(None))
    if query.q:
        pattern = "%" + query.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(func.lower(User.email).like(pattern) | func.lower(User.full_name).like(pattern))
    if query.role is not None:
        statement = statement.where(User.role == query.role)
    if query.is_active is not None:
        statement = statement.where(User.is_active.is_(query.is_active))
    return await pages.newest_first(uow, statement, at=User.created_at, id=User.id, limit=query.limit,
                                    cursor=query.cursor, out=schemas.UserOut.model_validate)


async def update_user(uow: UnitOfWork, *, user_id: uuid.UUID, data: schemas.AdminUserUpdate) -> User:
    """Change an account's role or deactivate it; its sessions end at once; the last admin stays."""
    await closing.lock_admins(uow)
    user = await uow.session.scalar(
        select(User).where(User.id == user_id, User.deleted_at.is_(None)).with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFoundError("No such user")
    stays_admin = (data.role or user.role) == "admin" and (user.is_active if data.is_active is None else data.is_active)
    if user.role == "admin" and user.is_active and not stays_admin and await closing.active_admins(uow) <= 1:
        raise LastAdminError("The last active admin cannot be demoted or deactivated")
    if data.role is not None:
        user.role = data.role
    if data.is_active is not None:
        user.is_active = data.is_active
        if not data.is_active:
            await closing.revoke_families(uow, TokenFamily.user_id == user.id, reason="deactivated", now=utcnow())
    user.updated_at = utcnow()
    await uow.commit()
    return user
