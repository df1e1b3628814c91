"""Building blocks for request and response models shared by every domain."""
from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.core.errors import BadRequestError


def _utc_seconds(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(microsecond=0)


# A moment as the API shows it: in UTC, to the second ("2026-11-23T02:03:00Z"). Normalised when the model is
# built, so that pydantic-core's own serializer writes it (a Python serializer cost ~15% of a warm tour page).
UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc_seconds)]


class Schema(BaseModel):
    """The base of every request and response model.

    A model's validator and serializer are built when it is first used, not when its module is imported:
    a function imports whole schema modules but uses a few of their models, and cold start is paid per
    function. The adapter builds its own endpoint's models while the function is set up
    (`http.lambda_handler`), so a request never waits for them.
    """

    model_config = ConfigDict(defer_build=True)


class Input(Schema):
    """Request bodies and queries: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Patch(Input):
    """A partial update: leave a field out to keep it; sending it as null is an error, not a reset."""

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null")
        return self


class Output(Schema):
    model_config = ConfigDict(from_attributes=True)


class PageQuery(Input):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=500)


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise BadRequestError("The cursor is not valid") from None
    if not isinstance(values, list) or len(values) != size:
        raise BadRequestError("The cursor is not valid")
    return values


ImageType = Literal["image/png", "image/jpeg", "image/webp"]


class PresignedPost(Schema):
    """Post the file as multipart form data to `url`, with `fields` first and the file last."""

    url: str
    fields: dict[str, str]
