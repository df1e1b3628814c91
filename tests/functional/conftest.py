from __future__ import annotations

import pytest

from tests.support.accounts import token_for


@pytest.fixture(autouse=True)
def _database(database_url: str) -> None:
    """Handlers commit for real: every test here works on users of its own."""


@pytest.fixture(scope="module")
def admin() -> str:
    """An access token of an admin of the module's own."""
    return token_for("admin")


@pytest.fixture(scope="module")
def user() -> str:
    """An access token of a traveller of the module's own."""
    return token_for("user")
