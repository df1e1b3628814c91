"""Sign a browser out."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import ForbiddenError
from shared.users import services, sessions


async def end_session(request: http.Request) -> http.Response:
    """End the session cookie's token family (its access tokens stop working) and clear the cookie."""
    sessions.require_csrf_header(request)
    token = request.cookies.get(sessions.COOKIE)
    if token:
        await services.end_session(request.uow, refresh_token=token)
    return sessions.ended(request)


handler = http.lambda_handler(end_session, status=204, raises=(ForbiddenError,))
