"""Authenticators for `http.lambda_handler(auth=...)`: who may call an endpoint."""
from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select

from shared.core import tokens
from shared.core.errors import ForbiddenError, UnauthorizedError
from shared.core.http import Request
from shared.core.uow import UnitOfWork
from shared.users.models import TokenFamily, User


async def signed_in(request: Request) -> User:
    """Any active user with a live access token; PostgreSQL decides whether it is revoked."""
    return await load_caller(request.uow, _claims(request))


def _claims(request: Request) -> tokens.AccessClaims:
    """The claims of the request's access token (signature and expiry checked), its family noted for the request."""
    token = request.bearer_token
    if token is None:
        raise UnauthorizedError("Send an access token: Authorization: Bearer <token>")
    claims = tokens.read_access_token(token)
    request.scope["tourbook.token_family"] = claims.family_id
    return claims


async def signed_in_by_write(request: Request) -> User | tokens.AccessClaims:
    """`signed_in` for an endpoint whose one write is a statement that checks the caller itself (a booking): the
    token is read here, its family and account are checked by that statement, one round trip fewer. The service
    says why with `load_caller` when the statement matched nothing, before any other refusal. With an
    `Idempotency-Key` the caller is checked here, as everywhere: a refusal is never stored under a key."""
    claims = _claims(request)
    return await load_caller(request.uow, claims) if request.idempotency_key is not None else claims


async def anyone(request: Request) -> User | None:
    """Public endpoints that show admins more: anonymous without a token, checked like any other with one."""
    return await signed_in(request) if request.headers.get("authorization") else None


async def admin(request: Request) -> User:
    user = await signed_in(request)
    if user.role != "admin":
        raise ForbiddenError("Admins only")
    return user


async def staff(request: Request) -> User:
    """Admins and guides: the part of the admin API a guide may use (check-ins, reading bookings)."""
    user = await signed_in(request)
    if user.role not in ("admin", "guide"):
        raise ForbiddenError("Admins and guides only")
    return user


def caller(request: Request) -> User:
    user = request.principal
    assert isinstance(user, User)
    return user


def caller_or_claims(request: Request) -> User | tokens.AccessClaims:
    """The caller of an endpoint signed in by `signed_in_by_write`."""
    found = request.principal
    assert isinstance(found, User | tokens.AccessClaims)
    return found


def token_family(request: Request) -> uuid.UUID:
    family = request.scope["tourbook.token_family"]
    assert isinstance(family, uuid.UUID)
    return family


# Every signed-in request runs it: built once, bound per request.
_CALLER = (
    select(User)
    .join(TokenFamily, TokenFamily.user_id == User.id)
    .where(TokenFamily.id == bindparam("family_id"), User.id == bindparam("user_id"))
    .where(TokenFamily.revoked_at.is_(None), User.is_active)
)


async def load_caller(uow: UnitOfWork, claims: tokens.AccessClaims) -> User:
    """The user behind an access token, if its family is alive and the account active (one query)."""
    user = await uow.session.scalar(_CALLER, {"family_id": claims.family_id, "user_id": claims.user_id})
    if user is None:
        raise UnauthorizedError("The access token has been revoked")
    return user
