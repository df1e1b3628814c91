"""The Telegram bot (`core.settings.Section`)."""

from pydantic import Field, SecretStr

from shared.core.settings import Section, section


class TelegramSettings(Section):
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str = ""  # links are https://t.me/<this>?start=<token>
    telegram_webhook_secret: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token must equal it
    telegram_link_ttl_seconds: int = Field(default=15 * 60, ge=60)
    telegram_timeout_seconds: float = Field(default=5.0, gt=0, le=30)


def telegram_settings() -> TelegramSettings:
    return section(TelegramSettings)
