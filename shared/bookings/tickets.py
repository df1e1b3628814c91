"""Check-in codes: the booking id signed with HMAC-SHA256, so a code cannot be guessed or forged."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import uuid

from shared.core.settings import get_settings

_TAG_BYTES = 16  # 128 bits of signature: guessing is hopeless, and the QR code stays small


def code_for(booking_id: uuid.UUID) -> str:
    return _encode(booking_id.bytes + _sign(booking_id.bytes))


def booking_of(code: str) -> uuid.UUID | None:
    """The booking a code names, or None for anything forged, truncated or malformed."""
    try:
        raw = base64.urlsafe_b64decode(code.strip() + "=" * (-len(code.strip()) % 4))
    except ValueError:
        return None
    if len(raw) != 16 + _TAG_BYTES or not hmac.compare_digest(raw[16:], _sign(raw[:16])):
        return None
    return uuid.UUID(bytes=raw[:16])


def qr_svg(code: str) -> str:
    import segno  # only the ticket function draws QR codes

    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def _sign(payload: bytes) -> bytes:
    settings = get_settings()
    secret = (settings.ticket_secret or settings.jwt_secret).get_secret_value().encode()
    return hmac.new(secret, b"ticket:" + payload, hashlib.sha256).digest()[:_TAG_BYTES]


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
