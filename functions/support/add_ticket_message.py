"""Follow a support ticket up."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.support import schemas, services
from shared.users import access


async def add_ticket_message(request: http.Request, ticket_id: uuid.UUID, body: schemas.MessageCreate) -> http.Response:
    """Add a message to a ticket's thread: its owner (reopens a resolved ticket) or staff; closed tickets 409."""
    ticket = await services.add_message(request.uow, caller=access.caller(request), ticket_id=ticket_id, data=body)
    return http.json(ticket, status=201)


handler = http.lambda_handler(add_ticket_message, auth=access.signed_in, status=201,
                              response=schemas.TicketThreadOut, raises=(NotFoundError, InvalidStateError))
