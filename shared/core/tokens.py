"""Access tokens (short-lived JWTs naming their refresh family) and opaque refresh tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass

import jwt

from shared.core.errors import TokenExpiredError, UnauthorizedError
from shared.core.settings import get_settings

ALGORITHM = "HS256"
REFRESH_PREFIX = "rt_"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    family_id: uuid.UUID
    role: str

    @property
    def id(self) -> uuid.UUID:
        """The caller's id, as `User.id` (a caller known by its token only: `users.access.signed_in_by_write`)."""
        return self.user_id


def issue_access_token(*, user_id: uuid.UUID, family_id: uuid.UUID, role: str, now: dt.datetime) -> str:
    settings = get_settings()
    claims = {
        "sub": str(user_id),
        "fam": str(family_id),
        "role": role,
        "typ": "access",
        "iat": now,
        "exp": now + dt.timedelta(seconds=settings.access_token_ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def read_access_token(token: str) -> AccessClaims:
    """Check signature, expiry and type; revocation is checked against the database by the caller.

    A token that passed every check is remembered (with its expiry, checked again on every use): a client sends
    the same one with each request, and only its expiry can change the answer.
    """
    secret = get_settings().jwt_secret.get_secret_value()
    found = _read_tokens.get((token, secret))
    if found is not None:
        claims, expires = found
        if expires <= time.time():
            raise TokenExpiredError("The access token has expired")
        return claims
    try:
        decoded = jwt.decode(token, secret, algorithms=[ALGORITHM],
                             options={"require": ["exp", "iat", "sub", "fam", "typ"]})
        if decoded["typ"] != "access":
            raise UnauthorizedError("Not an access token")
        # Signed is not well-formed: a claim of another type (a number, a list) is refused like a forgery.
        subject, family, role = decoded["sub"], decoded["fam"], decoded.get("role", "user")
        if not all(isinstance(claim, str) for claim in (subject, family, role)):
            raise UnauthorizedError("The access token is not valid")
        claims = AccessClaims(uuid.UUID(subject), uuid.UUID(family), role)
        expires = int(decoded["exp"])  # PyJWT has checked that it is a number of seconds, in the future
    except jwt.ExpiredSignatureError:
        raise TokenExpiredError("The access token has expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise UnauthorizedError("The access token is not valid") from None
    with _read_tokens_lock:  # the gateway's isolated mode reads tokens on several threads
        if len(_read_tokens) >= READ_TOKENS_KEPT:
            del _read_tokens[next(iter(_read_tokens))]  # the oldest
        _read_tokens[(token, secret)] = (claims, expires)
    return claims


READ_TOKENS_KEPT = 4096
_read_tokens: dict[tuple[str, str], tuple[AccessClaims, int]] = {}
_read_tokens_lock = threading.Lock()


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def fingerprint(refresh_token: str) -> str:
    """Refresh tokens are stored only as their SHA-256, so a database leak yields no live token."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()
