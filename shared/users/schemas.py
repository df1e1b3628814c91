"""Request and response models of the auth and user endpoints."""

import uuid
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import AfterValidator, AliasChoices, Field, StringConstraints, WithJsonSchema, model_validator

from shared.core.schemas import ImageType, Input, Output, Page, PageQuery, Patch, PresignedPost, UtcDatetime, pages

Password = Annotated[str, StringConstraints(min_length=8, max_length=128, strip_whitespace=False)]


def _valid_email(value: str) -> str:
    # Imported here: only registration validates addresses, and every other function would pay for it.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


Email = Annotated[str, StringConstraints(min_length=3, max_length=320), AfterValidator(_valid_email),
                  WithJsonSchema({"type": "string", "format": "email", "minLength": 3, "maxLength": 320})]
FullName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Locale = Literal["en", "ru"]
AccountToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RegisterIn(Input):
    email: Email
    password: Password
    full_name: FullName | None = None
    locale: Locale = "en"  # the language of the verification e-mail and of every later one


class LoginIn(Input):
    # The OAuth2 password form (Swagger's Authorize button) sends `username`.
    email: str = Field(validation_alias=AliasChoices("email", "username"), min_length=1, max_length=320,
                       json_schema_extra={"format": "email"})
    password: str = Field(min_length=1, max_length=1024)
    grant_type: Literal["password"] | None = None
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class RefreshIn(Input):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutIn(Input):
    refresh_token: str | None = Field(default=None, max_length=200)


class UserUpdate(Patch):
    """A new `password` needs `current_password` too (422 without it, or when it is wrong)."""

    full_name: FullName | None = None
    locale: Locale | None = None
    password: Password | None = None
    current_password: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _password_change_needs_current(self) -> Self:
        if self.password is not None and not self.current_password:
            raise ValueError("current_password is required to change the password")
        return self


class UserOut(Output):
    id: uuid.UUID
    email: str = Field(json_schema_extra={"format": "email"})
    full_name: str | None
    role: Literal["user", "guide", "admin"]
    is_active: bool
    avatar_url: str | None = None
    email_verified: bool
    locale: Locale
    has_password: bool
    avatar_thumbnails: dict[str, str] = Field(default_factory=dict, description="WebP thumbnails by size (\"256\")")
    created_at: UtcDatetime


class VerifyEmailIn(Input):
    token: AccountToken


class PasswordResetIn(Input):
    # A malformed address is 422 (its form is no secret); any well-formed one gets the same 202.
    email: Email


class PasswordResetConfirmIn(Input):
    token: AccountToken
    password: Password


class AcceptedOut(Output):
    """202: the request is taken; what it sends (an e-mail) follows."""

    status: Literal["accepted"] = "accepted"


class TokensOut(Output):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class SessionOut(Output):
    """A browser session's access token; its refresh token travels only in the HttpOnly `tb_refresh` cookie."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class LoginEventOut(Output):
    at: UtcDatetime
    ip: str
    user_agent: str
    success: bool


class LoginsQuery(PageQuery):
    pass


class AvatarUploadIn(Input):
    content_type: ImageType


class AvatarUploadOut(Output):
    upload: PresignedPost
    key: str
    expires_in: int


class AvatarConfirmIn(Input):
    key: str = Field(min_length=1, max_length=300)


class AdminUsersQuery(PageQuery):
    q: str | None = Field(default=None, min_length=1, max_length=200)
    role: Literal["user", "guide", "admin"] | None = None
    is_active: bool | None = None


class AdminUserUpdate(Patch):
    role: Literal["user", "guide", "admin"] | None = None
    is_active: bool | None = None


if TYPE_CHECKING:
    LoginEventPage = Page[LoginEventOut]
    UserPage = Page[UserOut]
else:
    __getattr__ = pages(__name__, LoginEventPage="LoginEventOut", UserPage="UserOut")
