"""Every account."""
from __future__ import annotations

from shared.core import http
from shared.users import access, schemas, services


async def list_users(request: http.Request, query: schemas.AdminUsersQuery) -> http.Response:
    """List accounts by email or name, role and activity (admins)."""
    return http.json(await services.list_users(request.uow, query=query))


handler = http.lambda_handler(list_users, auth=access.admin, response=schemas.UserPage)
