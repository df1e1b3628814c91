"""Every support ticket."""
from __future__ import annotations

from shared.core import http
from shared.support import schemas, services
from shared.users import access


async def list_all_tickets(request: http.Request, query: schemas.AdminTicketsQuery) -> http.Response:
    """List all tickets, optionally by status (admins)."""
    page = await services.list_tickets(request.uow, limit=query.limit, cursor=query.cursor, status=query.status)
    return http.json(page)


handler = http.lambda_handler(list_all_tickets, auth=access.admin, response=schemas.TicketPage)
