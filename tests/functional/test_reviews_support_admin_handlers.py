"""Reviews, support tickets and the admin API called as Lambda calls them: the permission matrix."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions.admin import list_all_tickets, list_users, update_ticket, update_user
from functions.auth import get_me
from functions.reviews import create_review, delete_review, list_reviews
from functions.support import list_tickets, open_ticket
from functions.tours import create_tour
from functions.users import confirm_avatar, request_avatar, update_me
from tests.support.accounts import token_for
from tests.support.invoke import invoke

TOUR = {"title": "Reviewable Tour", "description": "For reviews.", "country": "Reviewland", "city": "Critic",
        "duration_days": 2, "price_cents": 10_000, "currency": "EUR", "is_published": True}


@pytest.fixture(scope="module")
def tour_id(admin: str) -> str:
    return str(invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR).json()["id"])


def _me(token: str) -> dict[str, Any]:
    return dict(invoke(get_me.handler, "GET", "/v1/auth/me", token=token).json())


def test_admin_endpoints_are_401_anonymous_403_for_users_and_200_for_admins(admin: str, user: str) -> None:
    someone = _me(user)["id"]
    ticket = invoke(open_ticket.handler, "POST", "/v1/tickets", token=user,
                    json_body={"subject": "Matrix", "message": "Testing"}).json()["id"]
    calls: list[tuple[Any, str, str, dict[str, str], Any, int]] = [
        (list_users.handler, "GET", "/v1/admin/users", {}, None, 200),
        (update_user.handler, "PATCH", "/v1/admin/users/{user_id}", {"user_id": someone}, {"role": "user"}, 200),
        (list_all_tickets.handler, "GET", "/v1/admin/tickets", {}, None, 200),
        (update_ticket.handler, "PATCH", "/v1/admin/tickets/{ticket_id}", {"ticket_id": ticket},
         {"status": "in_progress", "reply": "Looking"}, 200),
    ]
    for handler, method, route, path, body, ok in calls:
        assert invoke(handler, method, route, path=path, json_body=body).status == 401, route
        assert invoke(handler, method, route, path=path, json_body=body, token=user).status == 403, route
        assert invoke(handler, method, route, path=path, json_body=body, token=admin).status == ok, route


def test_user_endpoints_are_401_anonymous(tour_id: str) -> None:
    for handler, method, route, path, body in [
        (create_review.handler, "POST", "/v1/tours/{tour_id}/reviews", {"tour_id": tour_id},
         {"rating": 5, "text": "x"}),
        (delete_review.handler, "DELETE", "/v1/reviews/{review_id}", {"review_id": str(uuid.uuid4())}, None),
        (open_ticket.handler, "POST", "/v1/tickets", {}, {"subject": "Hello", "message": "x"}),
        (list_tickets.handler, "GET", "/v1/tickets", {}, None),
        (request_avatar.handler, "POST", "/v1/users/me/avatar", {}, {"content_type": "image/png"}),
        (confirm_avatar.handler, "POST", "/v1/users/me/avatar/confirm", {}, {"key": "avatars/x/y.png"}),
    ]:
        reply = invoke(handler, method, route, path=path, json_body=body)
        assert reply.status == 401 and reply.headers["www-authenticate"] == "Bearer", route


def test_reviews_need_a_completed_trip_and_are_public(user: str, tour_id: str) -> None:
    refused = invoke(create_review.handler, "POST", "/v1/tours/{tour_id}/reviews", path={"tour_id": tour_id},
                     token=user, json_body={"rating": 5, "text": "Never went"})
    assert refused.status == 403 and refused.json()["code"] == "review_not_allowed"
    for rating in (0, 6):
        invalid = invoke(create_review.handler, "POST", "/v1/tours/{tour_id}/reviews", path={"tour_id": tour_id},
                         token=user, json_body={"rating": rating, "text": "x"})
        assert invalid.status == 422
    listed = invoke(list_reviews.handler, "GET", "/v1/tours/{tour_id}/reviews", path={"tour_id": tour_id})
    assert listed.status == 200 and listed.json() == {"items": [], "next_cursor": None}
    unknown = invoke(list_reviews.handler, "GET", "/v1/tours/{tour_id}/reviews", path={"tour_id": str(uuid.uuid4())})
    assert unknown.status == 404


def test_users_see_only_their_own_tickets_and_cannot_escalate(user: str) -> None:
    other = token_for("user")
    invoke(open_ticket.handler, "POST", "/v1/tickets", token=other, json_body={"subject": "Other's", "message": "x"})
    mine = invoke(open_ticket.handler, "POST", "/v1/tickets", token=user, json_body={"subject": "Mine", "message": "x"})
    assert mine.status == 201 and mine.json()["status"] == "open"
    listed = invoke(list_tickets.handler, "GET", "/v1/tickets", token=user).json()["items"]
    assert {t["user_id"] for t in listed} == {_me(user)["id"]}
    someone_elses = invoke(open_ticket.handler, "POST", "/v1/tickets", token=user,
                           json_body={"subject": "About a booking", "message": "x", "booking_id": str(uuid.uuid4())})
    assert someone_elses.status == 404
    for field in ({"role": "admin"}, {"is_active": True}):
        assert invoke(update_me.handler, "PATCH", "/v1/users/me", token=user, json_body=field).status == 422
    assert _me(user)["role"] == "user"


def test_a_deactivated_users_token_stops_at_once(admin: str) -> None:
    victim = token_for("user")
    victim_id = _me(victim)["id"]
    reply = invoke(update_user.handler, "PATCH", "/v1/admin/users/{user_id}", path={"user_id": victim_id},
                   token=admin, json_body={"is_active": False})
    assert reply.status == 200 and reply.json()["is_active"] is False
    assert invoke(get_me.handler, "GET", "/v1/auth/me", token=victim).status == 401
