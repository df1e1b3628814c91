"""Thumbnails from bytes: sizes, formats, and every kind of bad file refused without a crash."""
from __future__ import annotations

import io
import struct
import uuid
import zlib

import pytest
from PIL import Image

from functions.thumbnails.make_thumbnails import MAX_PIXELS, render
from shared.thumbnails.services import Refused, Target, target
from shared.tours.images import thumbnail_key

TOUR = Target((320, 800), square=False)
AVATAR = Target((256,), square=True)


def _image(width: int, height: int, fmt: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (200, 120, 40) if mode == "RGB" else (200, 120, 40, 128)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_tour_image_gets_webp_thumbnails_of_each_width_keeping_its_shape(fmt: str) -> None:
    made = render(_image(1600, 1000, fmt), TOUR)
    sizes = {size: Image.open(io.BytesIO(webp)) for size, webp in made.items()}
    assert {size: image.format for size, image in sizes.items()} == {320: "WEBP", 800: "WEBP"}
    assert (sizes[320].size, sizes[800].size) == ((320, 200), (800, 500))


def test_a_small_image_is_never_enlarged_and_an_avatar_is_cropped_square() -> None:
    small = render(_image(300, 150, "PNG"), TOUR)
    shapes = {size: Image.open(io.BytesIO(webp)).size for size, webp in small.items()}
    assert shapes == {320: (300, 150), 800: (300, 150)}
    avatar = render(_image(900, 400, "PNG", mode="RGBA"), AVATAR)
    shown = Image.open(io.BytesIO(avatar[256]))
    assert shown.size == (256, 256) and shown.mode == "RGBA"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width`×`height` pixels: the header only, then a few bytes of nothing."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * 64


@pytest.mark.parametrize("data", [
    b"",
    b"GIF89a not one of ours",
    b"%PDF-1.7 a document",
    _image(400, 300, "JPEG")[:300],  # truncated mid-stream
    _image(400, 300, "PNG")[:-40],
    _png_header(20_000, 20_000),  # 400 megapixels announced: refused before a pixel is decoded
    _png_header(MAX_PIXELS // 1000 + 1, 1000),
    _image(64, 64, "GIF"),
], ids=["empty", "gif-text", "pdf", "truncated-jpeg", "truncated-png", "bomb", "just-over", "gif"])
def test_a_file_that_is_not_a_sound_image_is_refused(data: bytes) -> None:
    with pytest.raises(Refused):
        render(data, TOUR)


def test_only_uploads_get_thumbnails_never_the_thumbnails_themselves() -> None:
    tour, image, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    upload = f"tours/{tour}/{image}.jpg"
    assert target(upload) == TOUR and target(f"avatars/{user}/{image}.png") == AVATAR
    assert target(thumbnail_key(upload, 320)) is None and thumbnail_key(upload, 320) == f"tours/{tour}/{image}-320.webp"
    for other in (f"tours/{tour}/{image}.gif", f"tours/{tour}/../{image}.jpg", "avatars/x/y.png", f"web/{image}.jpg"):
        assert target(other) is None
