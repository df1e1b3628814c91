"""Sign-in with other providers (`core.settings.Section`); each provider's OAUTH_<NAME>_* are read in providers."""

from pydantic import Field

from shared.core.settings import Section, section


class OAuthSettings(Section):
    oauth_providers: str = ""  # comma-separated names: google, yandex, or any OpenID Connect provider's
    oauth_redirect_allowlist: str = ""  # comma-separated prefixes the web app's redirect_uri must start with
    oauth_timeout_seconds: float = Field(default=5.0, gt=0, le=30)


def oauth_settings() -> OAuthSettings:
    return section(OAuthSettings)
