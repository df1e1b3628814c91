"""Browser sessions: the refresh token lives in an HttpOnly cookie scoped to the session routes, the access
token in the page's memory. Refreshing and ending a session need `X-Requested-With: tourbook`, a header a
cross-site form cannot send (SameSite=Strict already keeps the cookie off cross-site requests)."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import ForbiddenError, UnauthorizedError
from shared.users.config import account_settings
from shared.users import schemas

COOKIE = "tb_refresh"
PATH = "/v1/auth/session"
CSRF_HEADER, CSRF_VALUE = "x-requested-with", "tourbook"


def require_csrf_header(request: http.Request) -> None:
    if request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise ForbiddenError(f"Send the header X-Requested-With: {CSRF_VALUE}")


def refresh_token(request: http.Request) -> str:
    token = request.cookies.get(COOKIE)
    if not token:
        raise UnauthorizedError("No session: sign in first")
    return token


def started(request: http.Request, issued: schemas.TokensOut) -> http.Response:
    """The access token in the body, the refresh token in the cookie (never both in one place)."""
    body = schemas.SessionOut(access_token=issued.access_token, expires_in=issued.expires_in)
    response = http.json(body, headers={"cache-control": "no-store"})
    response.set_cookie(COOKIE, issued.refresh_token, max_age=account_settings().refresh_token_ttl_seconds,
                        path=_path(request), secure=account_settings().cookie_secure, httponly=True, samesite="strict")
    return response


def ended(request: http.Request) -> http.Response:
    response = http.no_content()
    response.delete_cookie(COOKIE, path=_path(request), secure=account_settings().cookie_secure, httponly=True,
                           samesite="strict")
    return response


def _path(request: http.Request) -> str:
    return request.base_path + PATH  # "/prod/v1/auth/session" behind a named stage
