"""The accounts' settings: sessions, sign-in limits, links and limits of account mail (`core.settings.Section`)."""

from pydantic import Field

from shared.core.settings import Section, section


class AccountSettings(Section):
    public_web_url: str = "http://127.0.0.1:8000"  # links in e-mails: <this>/verify-email?token=...
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    cookie_secure: bool = True  # the browser session cookie; the local gateway serves plain http: false there

    login_max_failures: int = 5
    login_failure_window_seconds: int = 15 * 60
    register_max_per_ip: int = 20
    register_window_seconds: int = 3600

    email_verification_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    email_verification_max_per_hour: int = Field(default=3, ge=1)
    password_reset_ttl_seconds: int = Field(default=30 * 60, ge=60)
    password_reset_max_per_email_ip: int = Field(default=5, ge=1)
    password_reset_window_seconds: int = Field(default=3600, ge=60)
    password_reset_answer_seconds: float = Field(default=0.5, ge=0, le=10)  # every answer takes this long


def account_settings() -> AccountSettings:
    return section(AccountSettings)
