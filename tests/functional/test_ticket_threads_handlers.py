"""Ticket threads as Lambda calls them: the owner and the staff write, anyone else gets 404."""
from __future__ import annotations

import uuid

from functions.admin import update_ticket
from functions.support import add_ticket_message, get_support_ticket, open_ticket
from tests.support.accounts import token_for
from tests.support.invoke import invoke

THREAD, MESSAGES = "/v1/tickets/{ticket_id}", "/v1/tickets/{ticket_id}/messages"


def test_a_traveller_and_the_staff_talk_in_a_thread() -> None:
    user, admin = token_for("user"), token_for("admin")
    stranger = token_for("user")
    opened = invoke(open_ticket.handler, "POST", "/v1/tickets", token=user,
                    json_body={"subject": "Pick-up time", "message": "When is the pick-up?"})
    assert opened.status == 201
    path = {"ticket_id": opened.json()["id"]}
    replied = invoke(add_ticket_message.handler, "POST", MESSAGES, path=path, token=admin,
                     json_body={"text": "At 8:00 by the hotel."})
    assert replied.status == 201 and [m["author"] for m in replied.json()["messages"]] == ["user", "staff"]
    assert invoke(update_ticket.handler, "PATCH", "/v1/admin/tickets/{ticket_id}", path=path, token=admin,
                  json_body={"status": "closed"}).status == 200
    closed = invoke(add_ticket_message.handler, "POST", MESSAGES, path=path, token=user, json_body={"text": "Thanks"})
    assert closed.status == 409 and closed.json()["code"] == "invalid_state"
    shown = invoke(get_support_ticket.handler, "GET", THREAD, path=path, token=user)
    assert shown.status == 200 and shown.json()["status"] == "closed" and len(shown.json()["messages"]) == 2
    assert invoke(get_support_ticket.handler, "GET", THREAD, path=path).status == 401
    assert invoke(get_support_ticket.handler, "GET", THREAD, path=path, token=stranger).status == 404
    assert invoke(get_support_ticket.handler, "GET", THREAD, path={"ticket_id": str(uuid.uuid4())},
                  token=user).status == 404
    empty = invoke(add_ticket_message.handler, "POST", MESSAGES, path=path, token=user, json_body={"text": ""})
    assert empty.status == 422 and empty.json()["code"] == "validation_error"
