"""Ask for help."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import NotFoundError
from shared.support import schemas, services
from shared.users import access


async def open_ticket(request: http.Request, body: schemas.TicketCreate) -> http.Response:
    """Open a support ticket, optionally about one of the caller's bookings."""
    ticket = await services.open_ticket(request.uow, user=access.caller(request), data=body)
    return http.json(schemas.TicketOut.model_validate(ticket), status=201)


handler = http.lambda_handler(open_ticket, auth=access.signed_in, status=201, response=schemas.TicketOut,
                              raises=(NotFoundError,))
