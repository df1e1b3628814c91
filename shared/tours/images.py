"""Tour images: their table, keys in the bucket, URLs made at read time."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.core import uploads
from shared.core.orm import Base, created_at, uuid_pk


class TourImage(Base):
    __tablename__ = "tour_image"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'attached')", name="status"),
        Index(None, "tour_id", "position"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tour_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    # The WebP thumbnails MakeThumbnailsFunction made of it: {"320": key, "800": key}, {} until then.
    thumbnails: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    created_at: Mapped[dt.datetime] = created_at()


TOUR_SIZES = (320, 800)  # widths of a tour image's thumbnails
AVATAR_SIZES = (256,)  # an avatar's square thumbnail


def thumbnail_key(key: str, size: int) -> str:
    """Where the thumbnail of `key` is written: beside it (the functions that sign its URLs may read it), under a
    name no upload has, so that its own "Object Created" event makes no thumbnails (`thumbnails.target`)."""
    return f"{key.rsplit('.', 1)[0]}-{size}.webp"


def new_key(tour_id: uuid.UUID, image_id: uuid.UUID, content_type: str) -> str:
    return f"tours/{tour_id}/{image_id}.{uploads.EXTENSIONS[content_type]}"


def object_keys(image: TourImage) -> list[str]:
    """Every object an image has in the bucket: the upload and its thumbnails (made or still to come)."""
    return [image.key, *(thumbnail_key(image.key, size) for size in TOUR_SIZES)]


def urls(keys: list[str]) -> list[str]:
    return uploads.public_urls(keys)
