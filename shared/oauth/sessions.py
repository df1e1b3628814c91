"""The cookie that binds a sign-in flow to the browser that started it: HttpOnly, 10 minutes, sent only to the
sign-in routes; SameSite=Lax, since the provider's redirect back is a cross-site top-level navigation."""
from __future__ import annotations

from shared.core import http
from shared.users.config import account_settings

COOKIE = "tb_oauth"
PATH = "/v1/auth/oauth"
MAX_AGE_SECONDS = 600


def browser_secret(request: http.Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def redirect(request: http.Request, location: str, *, browser_secret: str | None) -> http.Response:
    """A 302 to `location`; with `browser_secret` the cookie is set, without it it is left to expire (another tab
    may be signing in too)."""
    response = http.Response(status_code=302, headers={"location": location, "cache-control": "no-store",
                                                       "referrer-policy": "no-referrer"})
    path, secure = request.base_path + PATH, account_settings().cookie_secure
    if browser_secret is not None:
        response.set_cookie(COOKIE, browser_secret, max_age=MAX_AGE_SECONDS, path=path, secure=secure, httponly=True,
                            samesite="lax")
    return response
