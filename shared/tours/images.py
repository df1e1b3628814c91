"""Tour images: their table, keys in the bucket, URLs made at read time."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
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
    created_at: Mapped[dt.datetime] = created_at()


def new_key(tour_id: uuid.UUID, image_id: uuid.UUID, content_type: str) -> str:
    return f"tours/{tour_id}/{image_id}.{uploads.EXTENSIONS[content_type]}"


def urls(keys: list[str]) -> list[str]:
    return uploads.public_urls(keys)
