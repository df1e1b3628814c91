"""Support threads: follow-ups by the user and the staff, reopening, closed tickets, who may see a thread."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.core import errors
from shared.core.outbox import OutboxEvent
from shared.core.uow import UnitOfWork
from shared.support import services as support
from shared.support.schemas import MessageCreate, TicketCreate, TicketUpdate
from tests.support.builders import make_user


async def test_a_thread_grows_with_user_and_staff_messages_and_reopens_when_resolved(uow: UnitOfWork) -> None:
    user, admin = await make_user(uow), await make_user(uow, role="admin")
    ticket = await support.open_ticket(uow, user=user, data=TicketCreate(subject="Lost bag", message="I lost it"))
    staff = await support.add_message(uow, caller=admin, ticket_id=ticket.id, data=MessageCreate(text="Which bus?"))
    assert staff.reply == "Which bus?" and staff.status == "open"
    await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status="in_progress"))
    await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status="resolved", reply="Found it"))
    reopened = await support.add_message(uow, caller=user, ticket_id=ticket.id,
                                         data=MessageCreate(text="That is not my bag"))
    assert reopened.status == "open"
    assert [(m.author, m.text) for m in reopened.messages] == [
        ("user", "I lost it"), ("staff", "Which bus?"), ("staff", "Found it"), ("user", "That is not my bag")]
    shown = await support.get_ticket(uow, caller=user, ticket_id=ticket.id)
    assert shown.messages == reopened.messages and shown.message == "I lost it"
    assert (await support.get_ticket(uow, caller=admin, ticket_id=ticket.id)).id == ticket.id
    # The user hears of what the staff wrote (a message, the PATCH), never of their own messages.
    events = list(await uow.session.scalars(select(OutboxEvent.type).where(OutboxEvent.aggregate_id == ticket.id)))
    assert events == ["ticket.updated"] * 3


async def test_a_closed_ticket_takes_no_message_and_others_never_see_a_thread(uow: UnitOfWork) -> None:
    user, other, admin = await make_user(uow), await make_user(uow), await make_user(uow, role="admin")
    ticket = await support.open_ticket(uow, user=user, data=TicketCreate(subject="Refund", message="Please"))
    for caller in (other, await make_user(uow, role="guide")):
        with pytest.raises(errors.NotFoundError):
            await support.get_ticket(uow, caller=caller, ticket_id=ticket.id)
        with pytest.raises(errors.NotFoundError):
            await support.add_message(uow, caller=caller, ticket_id=ticket.id, data=MessageCreate(text="Me too"))
    await support.update_ticket(uow, ticket_id=ticket.id, data=TicketUpdate(status="closed"))
    for caller in (user, admin):
        with pytest.raises(errors.InvalidStateError):
            await support.add_message(uow, caller=caller, ticket_id=ticket.id, data=MessageCreate(text="Hello?"))
    assert [m.text for m in (await support.get_ticket(uow, caller=user, ticket_id=ticket.id)).messages] == ["Please"]
