"""The admin catalogue, tours by slug and image delete, as Lambda calls them."""
from __future__ import annotations

import uuid

from functions.admin import list_all_tours
from functions.tours import create_tour, delete_tour_image, get_tour
from functions.users import delete_favourite, list_favourites, put_favourite
from tests.support.invoke import invoke

TOUR = {"title": "Slug Test Tour", "description": "Made by a functional test.", "country": "Slugland",
        "city": "Slugville", "duration_days": 3, "price_cents": 45_000, "currency": "EUR", "tags": ["test"]}


def test_a_tour_is_shown_by_its_slug_and_a_draft_only_to_admins(admin: str, user: str) -> None:
    tour = invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR | {"is_published": True}).json()
    shown = invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path={"tour_id": tour["slug"]})
    assert shown.status == 200 and shown.json()["id"] == tour["id"]
    draft = invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR).json()
    path = {"tour_id": draft["slug"]}
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path, token=user).status == 404
    assert invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path=path, token=admin).status == 200
    missing = invoke(get_tour.handler, "GET", "/v1/tours/{tour_id}", path={"tour_id": "no such slug"})
    assert missing.status == 404 and missing.json()["code"] == "not_found"


def test_the_admin_tour_list_is_for_admins_and_includes_drafts(admin: str, user: str) -> None:
    word = f"zq{uuid.uuid4().hex[:8]}"
    draft = invoke(create_tour.handler, "POST", "/v1/tours", token=admin,
                   json_body=TOUR | {"title": f"Draft {word}"}).json()
    assert invoke(list_all_tours.handler, "GET", "/v1/admin/tours").status == 401
    assert invoke(list_all_tours.handler, "GET", "/v1/admin/tours", token=user).status == 403
    listed = invoke(list_all_tours.handler, "GET", "/v1/admin/tours", token=admin,
                    query={"q": word, "is_published": "false"})
    assert listed.status == 200 and [t["id"] for t in listed.json()["items"]] == [draft["id"]]
    bad = invoke(list_all_tours.handler, "GET", "/v1/admin/tours", token=admin, query={"is_published": "maybe"})
    assert bad.status == 422


def test_deleting_an_image_is_for_admins_and_an_unknown_one_is_404(admin: str, user: str) -> None:
    tour = invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR).json()
    path = {"tour_id": tour["id"], "image_id": str(uuid.uuid4())}
    route = "/v1/tours/{tour_id}/images/{image_id}"
    assert invoke(delete_tour_image.handler, "DELETE", route, path=path).status == 401
    assert invoke(delete_tour_image.handler, "DELETE", route, path=path, token=user).status == 403
    missing = invoke(delete_tour_image.handler, "DELETE", route, path=path, token=admin)
    assert missing.status == 404 and missing.json()["code"] == "not_found"


def test_a_traveller_keeps_a_favourite_and_drops_it(admin: str, user: str) -> None:
    tour = invoke(create_tour.handler, "POST", "/v1/tours", token=admin, json_body=TOUR | {"is_published": True}).json()
    route, path = "/v1/users/me/favourites/{tour_id}", {"tour_id": tour["id"]}
    assert invoke(put_favourite.handler, "PUT", route, path=path).status == 401
    assert invoke(list_favourites.handler, "GET", "/v1/users/me/favourites").status == 401
    for _ in range(2):
        assert invoke(put_favourite.handler, "PUT", route, path=path, token=user).status == 204
    listed = invoke(list_favourites.handler, "GET", "/v1/users/me/favourites", token=user, query={"limit": "100"})
    assert listed.status == 200 and tour["id"] in [t["id"] for t in listed.json()["items"]]
    assert invoke(delete_favourite.handler, "DELETE", route, path=path, token=user).status == 204
    listed = invoke(list_favourites.handler, "GET", "/v1/users/me/favourites", token=user, query={"limit": "100"})
    assert tour["id"] not in [t["id"] for t in listed.json()["items"]]
    missing = invoke(put_favourite.handler, "PUT", route, path={"tour_id": str(uuid.uuid4())}, token=user)
    assert missing.status == 404 and missing.json()["code"] == "not_found"
