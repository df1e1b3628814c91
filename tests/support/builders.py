"""Small typed builders with random suffixes, so no test depends on another's data."""
from __future__ import annotations

import uuid

from shared.core.uow import UnitOfWork
from shared.users import services
from shared.users.models import User

DEFAULT_PASSWORD = "correct horse battery"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


async def make_user(
    uow: UnitOfWork, *, email: str | None = None, password: str = DEFAULT_PASSWORD, role: str = "user",
    full_name: str | None = "Test User",
) -> User:
    return await services.ensure_user(
        uow, email=email or unique_email(role), password=password, role=role, full_name=full_name
    )
