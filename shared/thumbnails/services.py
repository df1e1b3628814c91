"""Thumbnails of uploaded images: which uploads get them, reading and writing their objects, recording them.

MakeThumbnailsFunction runs on every object created under `tours/` and `avatars/` (an EventBridge rule on
the uploads bucket's "Object Created" events; the local gateway sends the same events). It makes WebP
thumbnails (Pillow, in that function's package only) and writes them beside the upload, named
`<upload>-<size>.webp`: their own events reach the function too and are ignored (`target`), since no
upload has such a name. Then they are recorded where the upload is used: on its `tour_image` row (the tour's card
is rewritten) or on the account whose avatar it is. An upload event may come before the upload is
confirmed: a tour image's row exists from the moment its upload is requested, and confirming an avatar
looks for thumbnails that are already there.
"""
from __future__ import annotations

import logging
import re
from typing import NamedTuple

from sqlalchemy import update

from shared.core import aws, uploads
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.tours import tourcard
from shared.tours.images import AVATAR_SIZES, TOUR_SIZES, TourImage, thumbnail_key
from shared.users.models import User

logger = logging.getLogger("tourbook.thumbnails")
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_EXTENSIONS = "|".join(sorted(set(uploads.EXTENSIONS.values())))
_TOUR_IMAGE = re.compile(rf"tours/{_UUID}/{_UUID}\.(?:{_EXTENSIONS})")
_AVATAR = re.compile(rf"avatars/{_UUID}/{_UUID}\.(?:{_EXTENSIONS})")


class Target(NamedTuple):
    """What an upload's thumbnails are: their sizes, and whether they are cropped square (avatars)."""

    sizes: tuple[int, ...]
    square: bool


class Refused(Exception):
    """An upload that gets no thumbnails: missing, too large, not an image, corrupt, too many pixels."""


def target(key: str) -> Target | None:
    """The thumbnails an object key gets; None for every key that is not a tour image or an avatar upload."""
    if _TOUR_IMAGE.fullmatch(key):
        return Target(TOUR_SIZES, square=False)
    if _AVATAR.fullmatch(key):
        return Target(AVATAR_SIZES, square=True)
    return None


def read_upload(key: str) -> bytes:
    """The uploaded object's bytes, refused when it is gone or over the upload limit."""
    from botocore.exceptions import ClientError

    try:
        body = aws.s3().get_object(Bucket=get_settings().uploads_bucket, Key=key,
                                   Range=f"bytes=0-{uploads.MAX_IMAGE_BYTES}")["Body"].read()
    except ClientError:
        raise Refused("the object is gone") from None
    if len(body) > uploads.MAX_IMAGE_BYTES:
        raise Refused(f"larger than {uploads.MAX_IMAGE_BYTES} bytes")
    return bytes(body)


def store(key: str, made: dict[int, bytes]) -> dict[str, str]:
    """Write the thumbnails of `key`; their keys by size."""
    client, bucket = aws.s3(), get_settings().uploads_bucket
    keys: dict[str, str] = {}
    for size, webp in made.items():
        keys[str(size)] = thumbnail_key(key, size)
        client.put_object(Bucket=bucket, Key=keys[str(size)], Body=webp, ContentType="image/webp",
                          CacheControl="public, max-age=31536000, immutable")
    return keys


async def record(uow: UnitOfWork, *, key: str, thumbnails: dict[str, str]) -> None:
    """Note the thumbnails where the upload is used: a tour image (its tour's card changes) or an avatar."""
    if key.startswith("tours/"):
        tour_id = await uow.session.scalar(
            update(TourImage).where(TourImage.key == key).values(thumbnails=thumbnails).returning(TourImage.tour_id)
        )
        if tour_id is not None:
            tourcard.changing(uow, tour_id)
        await uow.commit()
        return
    await uow.session.execute(update(User).where(User.avatar_key == key).values(avatar_thumbnail_keys=thumbnails))
    await uow.commit()


def existing(key: str) -> dict[str, str]:
    """The thumbnails of `key` already in the bucket (made before the upload was confirmed)."""
    from botocore.exceptions import ClientError

    found = target(key)
    keys: dict[str, str] = {}
    for size in found.sizes if found else ():
        try:
            aws.s3().head_object(Bucket=get_settings().uploads_bucket, Key=thumbnail_key(key, size))
        except ClientError:
            continue
        keys[str(size)] = thumbnail_key(key, size)
    return keys
