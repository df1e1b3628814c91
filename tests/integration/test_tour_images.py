"""Tour images through a real moto S3: presigned POST, then confirm by the object's bytes."""
from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest

from shared.core import aws as aws_clients
from shared.core import uploads
from shared.core.errors import InvalidUploadError, NotFoundError
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.tours import services
from shared.tours.schemas import ImageUploadIn
from tests.support.builders import make_tour

# A real 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _post(upload: dict[str, object], content: bytes) -> int:
    fields = dict(upload["fields"])  # type: ignore[call-overload]
    response = httpx.post(str(upload["url"]), data=fields, files={"file": ("upload", content)}, timeout=10)
    return response.status_code


async def test_an_uploaded_image_is_attached_and_shown_with_a_presigned_url(uow: UnitOfWork, aws: str) -> None:
    tour = await make_tour(uow)
    started = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/png"))
    assert started.key.startswith(f"tours/{tour.id}/") and started.expires_in == uploads.UPLOAD_TTL_SECONDS
    assert started.upload.fields["Content-Type"] == "image/png" and "policy" in started.upload.fields
    assert _post(started.upload.model_dump(), PNG) in (200, 201, 204)
    shown = await services.confirm_image(uow, tour_id=tour.id, image_id=started.image_id)
    assert len(shown.image_urls) == 1 and started.key in shown.image_urls[0] and "Signature" in shown.image_urls[0]
    fetched = httpx.get(shown.image_urls[0], timeout=10)
    assert fetched.status_code == 200 and fetched.content == PNG
    again = await services.get_tour(uow, tour_id=tour.id, is_admin=False)
    assert again.image_urls[0] != "" and started.key in again.image_urls[0]
    answer = json.loads(await services.get_tour_json(uow, tour_id=str(tour.id), is_admin=False))  # warm: signed now
    assert started.key in answer["image_urls"][0] and "Signature" in answer["images"][0]["url"]


async def test_a_file_that_is_not_an_image_is_refused(uow: UnitOfWork, aws: str) -> None:
    tour = await make_tour(uow)
    started = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/png"))
    _post(started.upload.model_dump(), b"<html>definitely not a png</html>")
    with pytest.raises(InvalidUploadError):
        await services.confirm_image(uow, tour_id=tour.id, image_id=started.image_id)
    assert (await services.get_tour(uow, tour_id=tour.id, is_admin=True)).image_urls == []


async def test_a_missing_or_oversized_upload_is_refused(uow: UnitOfWork, aws: str) -> None:
    tour = await make_tour(uow)
    missing = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/png"))
    with pytest.raises(InvalidUploadError):
        await services.confirm_image(uow, tour_id=tour.id, image_id=missing.image_id)
    large = await services.request_image_upload(uow, tour_id=tour.id, data=ImageUploadIn(content_type="image/png"))
    aws_clients.s3().put_object(Bucket=get_settings().uploads_bucket, Key=large.key,
                                Body=PNG + b"\0" * uploads.MAX_IMAGE_BYTES)
    with pytest.raises(InvalidUploadError):
        await services.confirm_image(uow, tour_id=tour.id, image_id=large.image_id)


async def test_an_image_of_another_tour_is_not_found(uow: UnitOfWork, aws: str) -> None:
    first, second = await make_tour(uow), await make_tour(uow)
    started = await services.request_image_upload(uow, tour_id=first.id, data=ImageUploadIn(content_type="image/png"))
    with pytest.raises(NotFoundError):
        await services.confirm_image(uow, tour_id=second.id, image_id=started.image_id)
    with pytest.raises(NotFoundError):
        await services.confirm_image(uow, tour_id=first.id, image_id=uuid.uuid4())
