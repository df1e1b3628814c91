"""Building blocks for request and response models shared by every domain."""

import base64
import datetime as dt
import functools
import re
import sys
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

import pydantic_core
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shared.core.errors import BadRequestError

# PostgreSQL's `integer`: every integer the API takes is stored in one (or compared with one).
PG_INT_MIN, PG_INT_MAX = -(2**31), 2**31 - 1


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
    """Request bodies, queries and path parameters: unknown fields are an error, not silently ignored.

    Whatever a field's type, a value PostgreSQL cannot store is invalid here, where the caller is told
    which field it was: text with NUL characters, integers beyond `integer`, infinities and NaN.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check_storable(value)
        return value


_NUMBER = re.compile(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?")


def numeric_moments(model: type[BaseModel], fields: dict[str, Any]) -> list[str]:
    """The fields of text input (a query string, a form) that hold a number where `model` wants a date or time.

    Read laxly, pydantic takes a number as a Unix time (`date_to=0` was 1970-01-01); the API's dates and times
    are ISO 8601 only. (JSON bodies are read strictly, which refuses numbers for dates already.)
    """
    return [
        name for name, value in fields.items()
        if name in model.model_fields and isinstance(value, str) and _NUMBER.fullmatch(value.strip())
        and _is_moment(_annotation(model, name))
    ]


def _annotation(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].annotation


@functools.cache
def _is_moment(annotation: Any) -> bool:
    """Whether a field's type is a date or a time, alone or in a union (`dt.date | None`, Annotated...)."""
    if isinstance(annotation, type):
        return issubclass(annotation, (dt.date, dt.time))
    return any(_is_moment(argument) for argument in typing.get_args(annotation))


def _check_storable(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("string_nul", "Text must not contain NUL characters")
    elif isinstance(value, int) and not isinstance(value, bool):
        if not PG_INT_MIN <= value <= PG_INT_MAX:
            raise PydanticCustomError("int_out_of_range", "Input should be between {min} and {max}",
                                      {"min": PG_INT_MIN, "max": PG_INT_MAX})
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _check_storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key)
            _check_storable(item)


def _leave_out_rather_than_null(schema: dict[str, Any]) -> None:
    """A Patch's JSON Schema: its fields may be left out, never null (the `X | None = None` is only "not sent")."""
    for field in schema.get("properties", {}).values():
        options = field.pop("anyOf", None)
        if options is not None:
            kept = [option for option in options if option != {"type": "null"}]
            field.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        if field.get("default", ...) is None:
            del field["default"]


class Patch(Input):
    """A partial update: leave a field out to keep it; sending it as null is an error, not a reset."""

    model_config = ConfigDict(json_schema_extra=_leave_out_rather_than_null)

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
    cursor: str | None = Field(default=None, min_length=1, max_length=500)


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


def pages(module: str, **items: str) -> Callable[[str], Any]:
    """A schema module's `__getattr__` that makes its page models (`BookingPage="BookingOut"`) when first asked for.

    Parametrizing a generic model is not deferred like a model's build, and the first one in a process costs
    ~30 ms (pydantic's generics machinery): most functions that import a schema module answer with no page.
    """

    def page(name: str) -> Any:
        if name not in items:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        namespace, generic = vars(sys.modules[module]), typing.cast(Any, Page)
        model = namespace[name] = generic[namespace[items[name]]]  # made once, then an attribute like any other
        return model

    return page


def encode_cursor(order: str, values: Sequence[Any]) -> str:
    """A position in a list: the list and order it belongs to ("tours:price"), then the last row's sort values."""
    raw = pydantic_core.to_json([order, *values])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, order: str, *types: Any) -> tuple[Any, ...]:
    """The values of a cursor of `order`, each checked against its type (and bounds); anything else is 400.

    A cursor made by another list or sort, or forged, never reaches a statement: its values could be of
    the wrong type or beyond what the column holds.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values: tuple[Any, ...] = _cursor_type(order, types).validate_json(raw, strict=True)
    except ValueError:  # bad base64 or ASCII, bad JSON, another order, wrong types (ValidationError)
        raise BadRequestError("The cursor is not valid") from None
    return values[1:]


@functools.cache
def _cursor_type(order: str, types: tuple[Any, ...]) -> TypeAdapter[tuple[Any, ...]]:
    return TypeAdapter(tuple[(Literal[order], *types)])  # type: ignore[valid-type]


ImageType = Literal["image/png", "image/jpeg", "image/webp"]


class PresignedPost(Schema):
    """Post the file as multipart form data to `url`, with `fields` first and the file last."""

    url: str
    fields: dict[str, str]
