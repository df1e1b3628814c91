"""The caller's login history."""
from __future__ import annotations

from shared.core import http
from shared.users import access, schemas, services


async def list_logins(request: http.Request, query: schemas.LoginsQuery) -> http.Response:
    """List the caller's login attempts, newest first."""
    page = await services.list_logins(request.uow, user=access.caller(request), limit=query.limit, cursor=query.cursor)
    return http.json(page)


handler = http.lambda_handler(list_logins, auth=access.signed_in, response=schemas.LoginEventPage)
