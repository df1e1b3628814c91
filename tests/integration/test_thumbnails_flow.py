"""An upload's event makes thumbnails that the tour or the account then shows; bad uploads change nothing."""
from __future__ import annotations

import io
import uuid

import httpx
from PIL import Image

from functions.thumbnails.make_thumbnails import make_thumbnails
from local_gateway import events
from shared.core import aws as aws_clients
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.tours import services
from shared.tours.schemas import ImageUploadIn
from shared.users import services as users
from tests.integration.test_tour_images import _post
from tests.support.builders import make_tour, make_user


def _jpeg(width: int = 1200, height: int = 900) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def _event(key: str) -> dict[str, object]:
    head = aws_clients.s3().head_object(Bucket=get_settings().uploads_bucket, Key=key)
    return events.object_created_event(get_settings().uploads_bucket, key, size=head["ContentLength"],
                                       etag=head["ETag"])


async def test_a_tour_image_shows_its_thumbnails_once_they_are_made(uow: UnitOfWork, aws: str) -> None:
    tour = await make_tour(uow)
    started = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/jpeg"))
    assert _post(started.upload.model_dump(), _jpeg()) in (200, 201, 204)
    shown = await services.confirm_image(uow, tour_id=tour.id, image_id=started.image_id)
    assert [(image.id, image.thumbnails) for image in shown.images] == [(started.image_id, {})]
    assert shown.images[0].url == shown.image_urls[0]

    assert await make_thumbnails(uow, _event(started.key)) == 2
    after = await services.get_tour(uow, tour_id=tour.id, is_admin=False)  # the card was rewritten
    thumbnails = after.images[0].thumbnails
    assert set(thumbnails) == {"320", "800"}
    for size, url in thumbnails.items():
        fetched = httpx.get(url, timeout=10)
        assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(fetched.content)).width == int(size)
    # The thumbnails' own events make nothing; deleting the image removes them from the bucket too.
    assert await make_thumbnails(uow, _event(f"{started.key.rsplit('.', 1)[0]}-320.webp")) == 0
    await services.delete_image(uow, tour_id=tour.id, image_id=started.image_id)
    assert httpx.get(thumbnails["320"], timeout=10).status_code == 404


async def test_an_avatar_whose_thumbnail_came_first_shows_it_when_confirmed(uow: UnitOfWork, aws: str) -> None:
    user = await make_user(uow)
    upload = await users.request_avatar_upload(user, content_type="image/jpeg")
    assert _post(upload.upload.model_dump(), _jpeg(500, 800)) in (200, 201, 204)
    assert await make_thumbnails(uow, _event(upload.key)) == 1  # before the confirm: nobody uses it yet
    confirmed = await users.confirm_avatar(uow, user=user, key=upload.key)
    thumbnail = httpx.get(confirmed.avatar_thumbnails["256"], timeout=10)
    assert Image.open(io.BytesIO(thumbnail.content)).size == (256, 256)
    # A new avatar starts without thumbnails until its own are made.
    second = await users.request_avatar_upload(user, content_type="image/jpeg")
    assert _post(second.upload.model_dump(), _jpeg()) in (200, 201, 204)
    assert (await users.confirm_avatar(uow, user=user, key=second.key)).avatar_thumbnails == {}
    assert await make_thumbnails(uow, _event(second.key)) == 1
    await uow.session.refresh(user)
    assert set(user.avatar_thumbnails) == {"256"}


async def test_a_corrupt_or_vanished_upload_is_refused_and_nothing_changes(uow: UnitOfWork, aws: str) -> None:
    tour = await make_tour(uow)
    started = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/jpeg"))
    assert _post(started.upload.model_dump(), _jpeg()[:500]) in (200, 201, 204)  # a truncated JPEG
    assert await make_thumbnails(uow, _event(started.key)) == 0
    listed = aws_clients.s3().list_objects_v2(Bucket=get_settings().uploads_bucket, Prefix=f"tours/{tour.id}/")
    assert [item["Key"] for item in listed["Contents"]] == [started.key]
    gone = events.object_created_event(get_settings().uploads_bucket, f"tours/{tour.id}/{uuid.uuid4()}.jpg",
                                       size=10, etag="x")
    assert await make_thumbnails(uow, gone) == 0
