"""Make WebP thumbnails of an uploaded tour image or avatar (EventBridge: S3 "Object Created").

Pillow is imported here and nowhere else: it ships in this function's package only
(functions/thumbnails/requirements.txt), never in the shared layer. A file that is not a PNG, JPEG or
WebP image, is corrupt or truncated, is over the upload limit or has more than MAX_PIXELS pixels (a
decompression bomb) is refused: logged, no thumbnails, and the invocation succeeds (a retry could not
help). Its header is read before any pixel is decoded, so a bomb costs nothing.
"""
from __future__ import annotations

import io
import logging
import math
import warnings
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from shared.core import jobs
from shared.core.uow import UnitOfWork
from shared.thumbnails import services
from shared.thumbnails.services import Refused, Target

logger = logging.getLogger("tourbook.thumbnails")
MAX_PIXELS = 40_000_000  # 40 megapixels: 160 MB decoded as RGBA, within the function's 1024 MB
FORMATS = ("PNG", "JPEG", "WEBP")
QUALITY = 80


async def make_thumbnails(uow: UnitOfWork, event: dict[str, Any]) -> int:
    """Thumbnails of the object an upload created, recorded where the upload is used; how many were made."""
    key = str(((event.get("detail") or {}).get("object") or {}).get("key", ""))
    target = services.target(key)
    if target is None:
        logger.info("no thumbnails for %r", key)
        return 0
    try:
        made = render(services.read_upload(key), target)
    except Refused as refused:
        logger.warning("upload %s refused: %s", key, refused)
        return 0
    await services.record(uow, key=key, thumbnails=services.store(key, made))
    return len(made)


def render(data: bytes, target: Target) -> dict[int, bytes]:
    """WebP thumbnails of an image: each size is a width (never enlarged), or a square crop for avatars."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise Refused(f"{opened.width}x{opened.height} is more than {MAX_PIXELS} pixels")
                if opened.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that still covers every size
                    scale = max(target.sizes) / min(opened.size) if target.square else max(target.sizes) / opened.width
                    opened.draft("RGB", (math.ceil(opened.width * scale), math.ceil(opened.height * scale)))
                opened.load()
                image = ImageOps.exif_transpose(opened)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        return {size: _webp(_resized(image, size, target.square)) for size in target.sizes}
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            ValueError, SyntaxError, EOFError) as exc:
        raise Refused(f"not a readable PNG, JPEG or WebP image ({exc.__class__.__name__})") from None


def _resized(image: Image.Image, size: int, square: bool) -> Image.Image:
    if square:
        return ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    if image.width <= size:
        return image
    return image.resize((size, max(1, round(image.height * size / image.width))), Image.Resampling.LANCZOS)


def _webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=QUALITY, method=4)
    return buffer.getvalue()


handler = jobs.event_handler(make_thumbnails)
