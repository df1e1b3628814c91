"""Support tickets: users ask, admins move them along `open → in_progress → resolved → closed`.

Each ticket has a thread (`TicketMessage`): the user's first message, then follow-ups by the user and the
staff. A user's follow-up reopens a resolved ticket; a closed ticket takes no messages. What the staff
write (a message, or a PATCH's `reply`) is also the ticket's `reply` and notifies the user
(`ticket.updated`); the user's own messages notify nobody.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.bookings.models import Booking
from shared.core import outbox, pages
from shared.core.errors import InvalidStateError, NotFoundError
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.support import schemas
from shared.support.models import SupportTicket, TicketMessage
from shared.users.models import User

# The only moves a ticket can make; staying put is not a move.
TRANSITIONS = {
    "open": {"in_progress", "closed"},
    "in_progress": {"resolved", "closed"},
    "resolved": {"closed"},
    "closed": set(),
}


async def open_ticket(uow: UnitOfWork, *, user: User, data: schemas.TicketCreate) -> SupportTicket:
    """Open a ticket, optionally about one of the caller's own bookings."""
    if data.booking_id is not None:
        owner = await uow.session.scalar(select(Booking.user_id).where(Booking.id == data.booking_id))
        if owner != user.id:
            raise NotFoundError("No such booking")
    ticket = SupportTicket(user_id=user.id, booking_id=data.booking_id, subject=data.subject, message=data.message)
    uow.session.add(ticket)
    await uow.session.flush()
    uow.session.add(TicketMessage(ticket_id=ticket.id, author="user", text=data.message, created_at=ticket.created_at))
    await uow.commit()
    return ticket


async def get_ticket(uow: UnitOfWork, *, caller: User, ticket_id: uuid.UUID) -> schemas.TicketThreadOut:
    """A ticket and its thread, for its owner or an admin (anyone else: 404)."""
    ticket = await uow.session.get(SupportTicket, ticket_id)
    if ticket is None or not (ticket.user_id == caller.id or caller.role == "admin"):
        raise NotFoundError("No such ticket")
    return await _thread(uow, ticket)


async def add_message(uow: UnitOfWork, *, caller: User, ticket_id: uuid.UUID,
                      data: schemas.MessageCreate) -> schemas.TicketThreadOut:
    """Follow a ticket up: its owner (reopening it if resolved) or an admin (a reply the owner is told of)."""
    ticket = await uow.session.scalar(select(SupportTicket).where(SupportTicket.id == ticket_id).with_for_update())
    if ticket is None or not (ticket.user_id == caller.id or caller.role == "admin"):
        raise NotFoundError("No such ticket")
    if ticket.status == "closed":
        raise InvalidStateError("A closed ticket takes no messages")
    staff = caller.role == "admin" and ticket.user_id != caller.id
    uow.session.add(TicketMessage(ticket_id=ticket.id, author="staff" if staff else "user", text=data.text))
    ticket.updated_at = utcnow()
    if staff:
        ticket.reply = data.text
        _notify(uow, ticket)
    elif ticket.status == "resolved":
        ticket.status = "open"
    await uow.session.flush()
    thread = await _thread(uow, ticket)
    await uow.commit()
    return thread


async def list_tickets(uow: UnitOfWork, *, limit: int, cursor: str | None, user_id: uuid.UUID | None = None,
                       status: str | None = None) -> schemas.TicketPage:
    """Tickets newest first: one user's, or everyone's (admins), optionally by status."""
    statement = select(SupportTicket)
    if user_id is not None:
        statement = statement.where(SupportTicket.user_id == user_id)
    if status is not None:
        statement = statement.where(SupportTicket.status == status)
    return await pages.newest_first(uow, statement, at=SupportTicket.created_at, id=SupportTicket.id, limit=limit,
                                    cursor=cursor, out=schemas.TicketOut.model_validate)


async def update_ticket(uow: UnitOfWork, *, ticket_id: uuid.UUID, data: schemas.TicketUpdate) -> SupportTicket:
    """Move a ticket along its lifecycle and/or reply; the user is notified through the outbox."""
    ticket = await uow.session.scalar(select(SupportTicket).where(SupportTicket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFoundError("No such ticket")
    if data.status is not None and data.status not in TRANSITIONS[ticket.status]:
        raise InvalidStateError(f"A ticket cannot go from {ticket.status} to {data.status}")
    if data.reply is not None and ticket.status == "closed":
        raise InvalidStateError("A closed ticket takes no replies")
    ticket.status = data.status or ticket.status
    if data.reply is not None:
        ticket.reply = data.reply
        uow.session.add(TicketMessage(ticket_id=ticket.id, author="staff", text=data.reply))
    ticket.updated_at = utcnow()
    _notify(uow, ticket)
    await uow.commit()
    return ticket


def _notify(uow: UnitOfWork, ticket: SupportTicket) -> None:
    outbox.record(uow, "ticket.updated", aggregate_id=ticket.id, user_id=ticket.user_id,
                  payload=schemas.TicketOut.model_validate(ticket).model_dump(mode="json"))


async def _thread(uow: UnitOfWork, ticket: SupportTicket) -> schemas.TicketThreadOut:
    messages = await uow.session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    return schemas.TicketThreadOut(
        **schemas.TicketOut.model_validate(ticket).model_dump(),
        messages=[schemas.MessageOut.model_validate(message) for message in messages],
    )
