"""Settings come from the environment: the core ones and each domain's section, read on first use."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.core import settings
from shared.telegram.config import TelegramSettings, telegram_settings
from shared.users.config import account_settings


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    settings.reset_settings()
    yield
    settings.reset_settings()


def test_a_section_reads_the_environment_once_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "first_bot")
    assert telegram_settings().telegram_bot_username == "first_bot"
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "second_bot")
    assert telegram_settings().telegram_bot_username == "first_bot"  # read once
    settings.reset_settings()
    assert telegram_settings().telegram_bot_username == "second_bot"
    assert settings.section(TelegramSettings) is telegram_settings()


def test_sections_are_counted_as_read_only_once_asked_for() -> None:
    assert settings.settings_read() == 0
    account_settings()
    assert settings.settings_read() == 1
    settings.get_settings()
    assert settings.settings_read() == 2


def test_a_section_refuses_a_value_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSWORD_RESET_TTL_SECONDS", "5")
    with pytest.raises(ValueError, match="password_reset_ttl_seconds"):
        account_settings()
