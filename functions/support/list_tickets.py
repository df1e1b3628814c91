"""The caller's support tickets."""
from __future__ import annotations

from shared.core import http
from shared.support import schemas, services
from shared.users import access


async def list_tickets(request: http.Request, query: schemas.TicketsQuery) -> http.Response:
    """List the caller's tickets, newest first."""
    page = await services.list_tickets(request.uow, limit=query.limit, cursor=query.cursor,
                                       user_id=access.caller(request).id)
    return http.json(page)


handler = http.lambda_handler(list_tickets, auth=access.signed_in, response=schemas.TicketPage)
