"""Configuration, read once from the environment (and `.env` locally) on first use.

`Settings` holds what the request path, storage and metrics read, which nearly every function needs. A domain
that only some functions use keeps its settings in a `Section` of its own, beside its code: a settings class costs
~0.1 ms per field to build at import, and a function pays only for the sections it imports.
"""

import functools
from typing import Literal, Self, TypeVar

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-local-only-secret-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    service_name: str = "tourbook"

    database_url: str = "postgresql+asyncpg://tourbook:tourbook@127.0.0.1:5432/tourbook"
    db_pool_size: int = Field(default=1, ge=1, le=100)
    db_pool_overflow: int | None = Field(default=None, ge=0, le=100)  # for a burst, closed on return; unset: as many
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

    # The mail transport (shared/mail/); what else mail, accounts, sign-in and Telegram read is each one's own
    # section (`Section`, below): shared/mail/config.py, shared/users/config.py, shared/oauth/config.py,
    # shared/telegram/config.py.
    mail_backend: Literal["local", "smtp", "ses"] = "local"

    pushgateway_url: str | None = None
    metrics_push_interval_seconds: float = Field(default=15.0, ge=0)
    metrics_push_timeout_seconds: float = 0.2
    metrics_job: str = "tourbook"
    metrics_stale_after_seconds: float = Field(default=1800, ge=60)  # Lambda keeps an idle environment < 1 h

    jwt_secret: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

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


class Section(BaseSettings):
    """A domain's own settings (same environment variables, same `.env`), read on first use (`section`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")


SectionT = TypeVar("SectionT", bound=Section)
_sections: dict[type[Section], Section] = {}


@functools.cache
def get_settings() -> Settings:
    return Settings()


def section(kind: type[SectionT]) -> SectionT:
    """The settings of one domain, read from the environment the first time they are asked for."""
    found = _sections.get(kind)
    if found is None:
        found = _sections[kind] = kind()
    assert isinstance(found, kind)
    return found


def settings_read() -> int:
    """How many settings objects this process has read (the core ones and each section)."""
    return get_settings.cache_info().currsize + len(_sections)


def reset_settings() -> None:
    """Forget the cached settings (tests and the local gateway change the environment)."""
    get_settings.cache_clear()
    _sections.clear()
