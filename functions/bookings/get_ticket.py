"""A booking's ticket."""
from __future__ import annotations

import uuid

from shared.bookings import schemas, services
from shared.core import http
from shared.core.errors import InvalidStateError, NotFoundError
from shared.users import access


async def get_ticket(request: http.Request, booking_id: uuid.UUID) -> http.Response:
    """The check-in code and QR code (SVG) of a confirmed booking."""
    ticket = await services.ticket(request.uow, caller=access.caller(request), booking_id=booking_id)
    return http.json(ticket)


handler = http.lambda_handler(get_ticket, auth=access.signed_in, response=schemas.BookingTicketOut,
                              raises=(NotFoundError, InvalidStateError))
