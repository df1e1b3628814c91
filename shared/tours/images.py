"""Tour images: keys in the bucket, URLs made at read time."""
from __future__ import annotations

import uuid

from shared.core import uploads


def new_key(tour_id: uuid.UUID, image_id: uuid.UUID, content_type: str) -> str:
    return f"tours/{tour_id}/{image_id}.{uploads.EXTENSIONS[content_type]}"


def urls(keys: list[str]) -> list[str]:
    return uploads.public_urls(keys)
