from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _database(database_url: str) -> None:
    """Handlers commit for real: every test here works on users of its own."""
