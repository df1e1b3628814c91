"""The catalogue endpoints as Lambda calls them: permissions on every write, validation, visibility."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from functions.tours import (
    cancel_departure,
    confirm_tour_image,
    create_departure,
    create_tour,
    delete_tour,
    get_tour,
    list_departures,
    list_tours,
    request_tour_image,
    update_departure,
    update_tour,
)
from functions.bookings import cancel_booking, create_booking, get_booking
from functions.reviews import list_reviews
from tests.support.invoke import Reply, invoke

TOUR = {"title": "Handler Test Tour", "description": "Made by a functional test.", "country": "Testonia",
        "city": "Testville", "duration_days": 3, "price_cents": 45_000, "currency": "eur", "tags": ["test"]}


def _new_tour(admin: str, **fields: Any) -> dict[str, Any]:
    reply = invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR | fields)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def _new_departure(admin: str, tour_id: str, days: int = 30) -> dict[str, Any]:
    starts_on = (dt.date.today() + dt.timedelta(days=days)).isoformat()
    reply = invoke(create_departure.handler, "POST", "/v1/tours/{tour_id}/departures", path={"tour_id": tour_id},
                   token=admin, json_body={"starts_on": starts_on, "capacity": 10})
    assert reply.status == 201, reply.body
    return dict(reply.json())


def _writes(tour_id: str, departure_id: str) -> list[tuple[Any, str, str, dict[str, str], Any]]:
    image = str(uuid.uuid4())
    return [
        (create_tour.handler, "POST", "/v1/tours", {}, TOUR),
        (update_tour.handler, "PATCH", "/v1/tours/{tour_id}", {"tour_id": tour_id}, {"price_cents": 1}),
        (delete_tour.handler, "DELETE", "/v1/tours/{tour_id}", {"tour_id": tour_id}, None),
        (request_tour_image.handler, "POST", "/v1/tours/{tour_id}/images", {"tour_id": tour_id},
         {"content_type": "image/png"}),
        (confirm_tour_image.handler, "POST", "/v1/tours/{tour_id}/images/{image_id}/confirm",
         {"tour_id": tour_id, "image_id": image}, None),
        (create_departure.handler, "POST", "/v1/tours/{tour_id}/departures", {"tour_id": tour_id},
         {"starts_on": (dt.date.today() + dt.timedelta(days=60)).isoformat(), "capacity": 5}),
        (update_departure.handler, "PATCH", "/v1/departures/{departure_id}", {"departure_id": departure_id},
         {"capacity": 11}),
        (cancel_departure.handler, "DELETE", "/v1/departures/{departure_id}", {"departure_id": departure_id}, None),
    ]


def test_every_write_is_401_for_anonymous_and_403_for_users(admin: str, user: str) -> None:
    tour = _new_tour(admin)
    departure = _new_departure(admin, tour["id"])
    for handler, method, route, path, body in _writes(tour["id"], departure["id"]):
        anonymous = invoke(handler, method, route, path=path, json_body=body)
        signed_in = invoke(handler, method, route, path=path, json_body=body, token=user)
        assert (anonymous.status, signed_in.status) == (401, 403), route
        assert signed_in.json()["code"] == "forbidden"
    shown = invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path={"tour_id": tour["id"]}, token=admin).json()
    assert shown["price_cents"] == TOUR["price_cents"] and shown["next_departure"]["seats_left"] == 10


def test_admins_run_the_catalogue(admin: str) -> None:
    tour = _new_tour(admin, is_published=True)
    assert tour["currency"] == "EUR" and tour["is_published"] and tour["image_urls"] == []
    changed = invoke(update_tour.handler, "PATCH", "/v1/tours/{tour_id}", path={"tour_id": tour["id"]},
                     token=admin, json_body={"title": "Renamed Tour", "tags": ["a", "b"]})
    assert changed.status == 200 and changed.json()["title"] == "Renamed Tour"
    departure = _new_departure(admin, tour["id"], days=45)
    again = invoke(create_departure.handler, "POST", "/v1/tours/{tour_id}/departures", path={"tour_id": tour["id"]},
                   token=admin, json_body={"starts_on": departure["starts_on"], "capacity": 3})
    assert again.status == 409 and again.json()["code"] == "departure_exists"
    closed = invoke(update_departure.handler, "PATCH", "/v1/departures/{departure_id}",
                    path={"departure_id": departure["id"]}, token=admin, json_body={"status": "closed"})
    assert closed.status == 200 and closed.json()["status"] == "closed"
    cancelled = invoke(cancel_departure.handler, "DELETE", "/v1/departures/{departure_id}",
                       path={"departure_id": departure["id"]}, token=admin)
    assert cancelled.status == 204
    listed = invoke(list_departures.handler, "GET", "/v1/tours/{tour_id}/departures", path={"tour_id": tour["id"]})
    assert [(d["id"], d["status"]) for d in listed.json()["items"]] == [(departure["id"], "cancelled")]
    deleted = invoke(delete_tour.handler, "DELETE", "/v1/tours/{tour_id}", path={"tour_id": tour["id"]}, token=admin)
    assert deleted.status == 204
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path={"tour_id": tour["id"]}).status == 404


def test_departures_must_be_in_the_future(admin: str) -> None:
    tour = _new_tour(admin)
    reply = invoke(create_departure.handler, "POST", "/v1/tours/{tour_id}/departures", path={"tour_id": tour["id"]},
                   token=admin, json_body={"starts_on": dt.date.today().isoformat(), "capacity": 3})
    assert reply.status == 422 and reply.json()["errors"][0]["loc"] == ["body", "starts_on"]


def test_unpublished_tours_are_404_to_everyone_but_admins(admin: str, user: str) -> None:
    draft = _new_tour(admin, is_published=False)
    path = {"tour_id": draft["id"]}
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path).status == 404
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path, token=user).status == 404
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path, token=admin).status == 200
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path={"tour_id": str(uuid.uuid4())}).status == 404


def test_a_published_tour_is_listed_and_found_by_its_words(admin: str) -> None:
    country = f"Listonia {uuid.uuid4().hex[:6]}"
    tour = _new_tour(admin, is_published=True, country=country, description="Glacier walks and fjord kayaking")
    listed = invoke(list_tours.handler, "GET", "/v1/tours", query={"country": country, "q": "glaciers"})
    assert listed.status == 200 and [t["id"] for t in listed.json()["items"]] == [tour["id"]]


def test_a_tour_with_bookings_is_archived_once_they_are_over_and_disappears(admin: str, user: str) -> None:
    country = f"Archivia {uuid.uuid4().hex[:6]}"
    tour = _new_tour(admin, is_published=True, country=country)
    departure = _new_departure(admin, tour["id"])
    booked = invoke(create_booking.handler, "POST", "/v1/bookings", token=user,
                    json_body={"departure_id": departure["id"], "seats": 2})
    assert booked.status == 201, booked.body
    path = {"tour_id": tour["id"]}

    refused = invoke(delete_tour.handler, "DELETE", "/v1/tours/{tour_id}", path=path, token=admin)
    assert refused.status == 409 and refused.json()["code"] == "has_active_bookings"
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path).status == 200  # nothing changed
    cancelled = invoke(cancel_booking.handler, "POST", "/v1/bookings/{booking_id}/cancel",
                       path={"booking_id": booked.json()["id"]}, token=user)
    assert cancelled.status == 200

    archived = invoke(delete_tour.handler, "DELETE", "/v1/tours/{tour_id}", path=path, token=admin)

    assert archived.status == 204, archived.body
    for token in (None, admin):
        assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path, token=token).status == 404
        assert invoke(list_departures.handler, "GET", "/v1/tours/{tour_id}/departures", path=path,
                      token=token).status == 404
    assert invoke(list_reviews.handler, "GET", "/v1/tours/{tour_id}/reviews", path=path).status == 404
    assert invoke(list_tours.handler, "GET", "/v1/tours", query={"country": country}).json()["items"] == []
    again = invoke(create_booking.handler, "POST", "/v1/bookings", token=user,
                   json_body={"departure_id": departure["id"], "seats": 1})
    assert again.status == 404
    kept = invoke(get_booking.handler, "GET", "/v1/bookings/{booking_id}", path={"booking_id": booked.json()["id"]},
                  token=user)
    assert kept.status == 200 and (kept.json()["tour_id"], kept.json()["status"]) == (tour["id"], "cancelled")
    assert invoke(delete_tour.handler, "DELETE", "/v1/tours/{tour_id}", path=path, token=admin).status == 404


@pytest.mark.parametrize("query", [
    "sort=cheapest", "limit=0", "limit=1000", "date_from=2030-02-01&date_to=2030-01-01", "seats=0",
    "min_price=500&max_price=100", "colour=red", "date_from=yesterday",
])
def test_invalid_list_parameters_are_422(query: str) -> None:
    reply = invoke(list_tours.handler, "GET", "/v1/tours", query=query)
    assert reply.status == 422 and reply.json()["code"] == "validation_error"
    assert all(error["loc"][0] == "query" for error in reply.json()["errors"])


def test_a_garbage_cursor_is_400() -> None:
    reply: Reply = invoke(list_tours.handler, "GET", "/v1/tours", query="cursor=definitely-not-a-cursor")
    assert reply.status == 400 and reply.json()["code"] == "bad_request"
