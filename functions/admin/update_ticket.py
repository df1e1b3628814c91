"""Answer a support ticket."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.support import schemas, services
from shared.users import access


async def update_ticket(request: http.Request, ticket_id: uuid.UUID, body: schemas.TicketUpdate) -> http.Response:
    """Move a ticket along (open → in_progress → resolved → closed) and/or reply (admins)."""
    ticket = await services.update_ticket(request.uow, ticket_id=ticket_id, data=body)
    return http.json(schemas.TicketOut.model_validate(ticket))


handler = http.lambda_handler(update_ticket, auth=access.admin, response=schemas.TicketOut,
                              raises=(NotFoundError, InvalidStateError))
