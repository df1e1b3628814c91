"""bcrypt password hashes, without bcrypt's 72-byte truncation."""
from __future__ import annotations

import asyncio
import base64
import functools
import hashlib

from shared.core.settings import get_settings


def _prehash(password: str) -> bytes:
    # SHA-256 first, so every byte of a long password counts and no NUL byte reaches bcrypt.
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def hash_password_sync(password: str) -> str:
    import bcrypt  # only the functions that hash or check passwords pay for it

    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(get_settings().bcrypt_rounds)).decode()


def verify_password_sync(password: str, password_hash: str | None) -> bool:
    # Unknown users are checked against a dummy hash, so both answers take the same time.
    import bcrypt

    target = (password_hash or _dummy_hash()).encode()
    try:
        matches = bcrypt.checkpw(_prehash(password), target)
    except ValueError:
        return False
    return matches and password_hash is not None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hash_password_sync, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    return await asyncio.to_thread(verify_password_sync, password, password_hash)


@functools.cache
def _dummy_hash() -> str:
    return hash_password_sync("not a password anybody has")
