"""Refresh a browser session."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import ForbiddenError, UnauthorizedError
from shared.users import schemas, services, sessions


async def refresh_session(request: http.Request) -> http.Response:
    """A new access token for the session cookie's refresh token; the cookie is rotated (reuse ends the session)."""
    sessions.require_csrf_header(request)
    issued = await services.refresh_tokens(request.uow, refresh_token=sessions.refresh_token(request))
    return sessions.started(request, issued)


handler = http.lambda_handler(refresh_session, response=schemas.SessionOut, raises=(UnauthorizedError, ForbiddenError))
