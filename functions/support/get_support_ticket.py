"""One support ticket with its thread."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.support import schemas, services
from shared.users import access


async def get_support_ticket(request: http.Request, ticket_id: uuid.UUID) -> http.Response:
    """Show a ticket and every message of its thread (its owner or admins; anyone else gets 404)."""
    ticket = await services.get_ticket(request.uow, caller=access.caller(request), ticket_id=ticket_id)
    return http.json(ticket)


handler = http.lambda_handler(get_support_ticket, auth=access.signed_in, response=schemas.TicketThreadOut,
                              raises=(NotFoundError,))
