"""Configuration, read once from the environment (and `.env` locally) on first use."""

import functools
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-local-only-secret-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    service_name: str = "tourbook"

    database_url: str = "postgresql+asyncpg://tourbook:tourbook@127.0.0.1:5432/tourbook"
    db_pool_size: int = Field(default=1, ge=1, le=100)
    db_pooler_safe: bool = False  # behind RDS Proxy / PgBouncer: NullPool, no statement caches
    db_connect_timeout_seconds: float = 5.0
    db_ping_idle_seconds: float = Field(default=10.0, ge=0)  # ping a pooled connection idle this long

    redis_url: str | None = None
    cache_timeout_seconds: float = 0.25

    aws_endpoint_url: str | None = None
    aws_region: str = Field(default="eu-west-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    uploads_bucket: str = "tourbook-uploads"
    public_assets_url: str | None = None  # e.g. a CloudFront domain in front of the bucket
    presigned_url_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)

    notifications_queue_url: str | None = None  # the SQS queue the outbox relay publishes to
    webhook_url: str | None = None  # where notifications are POSTed; unset: recorded as delivered, nothing sent
    webhook_secret: SecretStr | None = None  # signs webhook requests (HMAC-SHA256)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # Accounts and messages by e-mail (shared/users/account_mail.py, shared/mail/)
    public_web_url: str = "http://127.0.0.1:8000"  # links in e-mails: <this>/verify-email?token=...
    mail_backend: Literal["local", "smtp", "ses"] = "local"
    mail_from: str = "Tourbook <no-reply@tourbook.example>"
    mail_local_dir: str = ".data/mail"  # MAIL_BACKEND=local: where captured mail is kept (GET /_local/mail)
    mail_local_keep: int = Field(default=500, ge=1)  # the newest messages kept there
    smtp_url: SecretStr | None = None  # smtp://user:pass@host:587 (STARTTLS), smtps://...:465, ?tls=none for Mailpit
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    smtp_ca_file: str | None = None  # certificates of the SMTP server's CA, when not the system's
    email_verification_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    email_verification_max_per_hour: int = Field(default=3, ge=1)
    password_reset_ttl_seconds: int = Field(default=30 * 60, ge=60)
    password_reset_max_per_email_ip: int = Field(default=5, ge=1)
    password_reset_window_seconds: int = Field(default=3600, ge=60)
    password_reset_answer_seconds: float = Field(default=0.5, ge=0, le=10)  # every answer takes this long

    # Sign-in with other providers, Telegram (shared/oauth, shared/telegram); OAUTH_<NAME>_* are read there
    oauth_providers: str = ""  # comma-separated names: google, yandex, or any OpenID Connect provider's
    oauth_redirect_allowlist: str = ""  # comma-separated prefixes the web app's redirect_uri must start with
    oauth_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str = ""  # links are https://t.me/<this>?start=<token>
    telegram_webhook_secret: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token must equal it
    telegram_link_ttl_seconds: int = Field(default=15 * 60, ge=60)
    telegram_timeout_seconds: float = Field(default=5.0, gt=0, le=30)

    pushgateway_url: str | None = None
    metrics_push_interval_seconds: float = Field(default=15.0, ge=0)
    metrics_push_timeout_seconds: float = 0.2
    metrics_job: str = "tourbook"
    metrics_stale_after_seconds: float = Field(default=1800, ge=60)  # Lambda keeps an idle environment < 1 h

    jwt_secret: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    cookie_secure: bool = True  # the browser session cookie; the local gateway serves plain http: false there

    login_max_failures: int = 5
    login_failure_window_seconds: int = 15 * 60
    register_max_per_ip: int = 20
    register_window_seconds: int = 3600

    booking_hold_seconds: int = Field(default=15 * 60, ge=60)
    ticket_secret: SecretStr | None = None  # signs check-in codes; JWT_SECRET when unset
    # What an owner's cancellation (or shrink) of a paid booking gets back: "<days>:<percent>" steps, each
    # meaning "at least <days> days before the departure, <percent> %"; nothing when no step applies.
    refund_policy: str = "7:100,1:50"

    max_body_bytes: int = 1024 * 1024

    @field_validator("refund_policy")
    @classmethod
    def _policy_reads(cls, value: str) -> str:
        refund_steps(value)
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.environment == "production":
            secret = self.jwt_secret.get_secret_value()
            if secret == PLACEHOLDER_SECRET or len(secret) < 32:
                raise ValueError("JWT_SECRET must be a real secret of at least 32 characters in production")
        return self


def refund_steps(policy: str) -> list[tuple[int, int]]:
    """`REFUND_POLICY` as (days before, percent) steps, the earliest first; ValueError if it does not read."""
    steps = []
    for part in filter(None, (piece.strip() for piece in policy.split(","))):
        days, _, percent = part.partition(":")
        if not (days.strip().isdigit() and percent.strip().isdigit()) or int(percent) > 100:
            raise ValueError(f"REFUND_POLICY: {part!r} is not <days>:<percent 0-100>")
        steps.append((int(days), int(percent)))
    return sorted(steps, reverse=True)


@functools.cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local gateway change the environment)."""
    get_settings.cache_clear()
