"""Request and response models of sign-in through other providers."""

from pydantic import ConfigDict, Field

from shared.core.schemas import Input, Output, UtcDatetime


class ProviderOut(Output):
    name: str
    display_name: str


class ProvidersOut(Output):
    items: list[ProviderOut]


class AuthorizeQuery(Input):
    redirect_uri: str = Field(min_length=1, max_length=2000,
                              description="Where the callback sends the browser; must start with an entry of "
                                          "OAUTH_REDIRECT_ALLOWLIST")


class CallbackQuery(Input):
    # Providers add parameters of their own (Google's `scope`, `authuser`, `prompt`; Keycloak's `session_state`).
    model_config = ConfigDict(extra="ignore")

    code: str | None = Field(default=None, max_length=4096)
    state: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, max_length=200)


class ExchangeIn(Input):
    login_code: str = Field(min_length=1, max_length=200)


class IdentityOut(Output):
    provider: str
    email: str | None
    linked_at: UtcDatetime


class IdentitiesOut(Output):
    items: list[IdentityOut]
