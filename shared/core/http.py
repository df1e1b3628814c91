"""The HTTP adapter: an endpoint coroutine becomes a Starlette app behind Mangum."""
from __future__ import annotations

import functools
import inspect
import logging
import time
import typing
import urllib.parse
import uuid
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pydantic
import pydantic_core
from mangum import Mangum
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from shared.core import errors, logs, metrics, outages, snapstart
from shared.core.schemas import Input, numeric_moments
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork

if typing.TYPE_CHECKING:
    from shared.core.idempotency import Claim

__all__ = ["Request", "Response", "json", "json_bytes", "no_content", "lambda_handler", "Principal"]

logger = logging.getLogger("tourbook.http")
M = TypeVar("M", bound=pydantic.BaseModel)
JSON_TYPES = ("application/json", "application/problem+json")
FORM_TYPE = "application/x-www-form-urlencoded"
# A megabyte of unknown fields would otherwise be answered with ~8 MB of errors: beyond what Lambda may return.
MAX_LISTED_ERRORS = 50
TEXT_TYPES = ["text/", "application/json", "application/problem+json", "application/javascript", "image/svg+xml"]


class Principal(Protocol):
    """Who is calling: the user row (or anything with its id and role)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> str: ...


Authenticator = Callable[["Request"], Awaitable[Principal | None]]  # None: an anonymous caller, allowed
Endpoint = Callable[..., Awaitable[Response]]


class Request(StarletteRequest):
    """A Starlette request that also knows its Lambda event, caller and unit of work."""

    _uow: UnitOfWork | None = None
    principal_: Principal | None = None
    idempotency: Claim | None = None  # the key this request holds, for the service to complete

    @property
    def event(self) -> dict[str, Any]:
        return self.scope.get("aws.event") or {}

    @property
    def request_id(self) -> str:
        return str(self.scope["tourbook.request_id"])

    @property
    def client_ip(self) -> str:
        source = self.event.get("requestContext", {}).get("http", {}).get("sourceIp")
        return str(source or (self.client.host if self.client else "unknown"))

    @property
    def user_agent(self) -> str:
        # Recorded as it came (login history), less what PostgreSQL cannot store; never a reason to refuse a request.
        return self.headers.get("user-agent", "").replace("\x00", "")[:500]

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            self._uow = UnitOfWork()
        return self._uow

    @property
    def is_admin(self) -> bool:
        return self.principal_ is not None and self.principal_.role == "admin"

    @property
    def principal(self) -> Principal:
        if self.principal_ is None:
            raise errors.UnauthorizedError()
        return self.principal_

    @property
    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    @property
    def base_path(self) -> str:
        """What API Gateway keeps in front of the route's path in `rawPath`: "/prod" behind a named stage
        (or a custom domain's base path), "" behind $default and the local gateway. Links between routes need it."""
        route = str(self.event.get("routeKey", "")).partition(" ")[2].split("/")[1:]
        segments = str(self.event.get("rawPath", "")).split("/")
        if not route or len(segments) <= len(route) or any(part.endswith("+}") for part in route):
            return ""
        tail = segments[-len(route):]
        if any(part != seen for part, seen in zip(route, tail) if not part.startswith("{")):
            return ""
        return "/".join(segments[:-len(route)])


def json(data: pydantic.BaseModel | Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = data.model_dump_json().encode() if isinstance(data, pydantic.BaseModel) else pydantic_core.to_json(data)
    return json_bytes(body, status, headers)


def json_bytes(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A body that is JSON already (a service's answer made from the cache)."""
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)


def problem(error: errors.AppError, request: Request) -> Response:
    body = error.problem(instance=request.scope["path"], request_id=request.request_id)
    return Response(pydantic_core.to_json(body), status_code=error.status, headers=error.headers,
                    media_type="application/problem+json")


@dataclass(frozen=True)
class EndpointSpec:
    """What the adapter (and the OpenAPI generator) knows about an endpoint."""

    endpoint: Endpoint
    name: str
    summary: str
    auth: Authenticator | None
    status: int
    response: type[pydantic.BaseModel] | None
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    path: type[pydantic.BaseModel] | None = None
    accepts_form: bool = False
    errors: tuple[type[errors.AppError], ...] = ()
    idempotent: bool = False
    extra_args: tuple[str, ...] = field(default=())
    reads_alone: bool = False


class FunctionHandler(Mangum):
    """The Lambda entry point; `spec` and `app` are there for the gateway and the docs."""

    spec: EndpointSpec

    def _setup_event_loop(self) -> None:
        # Mangum asks asyncio.get_event_loop(), which on 3.12+ warns when this thread has no loop yet and then
        # makes one; that is the loop the sync handler runs on, so the warning says nothing.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            super()._setup_event_loop()


def lambda_handler(
    endpoint: Endpoint,
    *,
    auth: Authenticator | None = None,
    status: int = 200,
    response: type[pydantic.BaseModel] | None = None,
    accepts_form: bool = False,
    raises: tuple[type[errors.AppError], ...] = (),
    idempotent: bool = False,
    reads_alone: bool = False,
) -> FunctionHandler:
    """`idempotent=True`: an `Idempotency-Key` header makes a retry replay the first response.

    `reads_alone=True`: the request's reads (the caller's row too) run without a transaction, for an endpoint whose
    one write is a statement of its own (`UnitOfWork.commit_alone`): two round trips fewer."""
    logs.configure()
    spec = _inspect(endpoint, auth=auth, status=status, response=response, accepts_form=accepts_form, raises=raises,
                    idempotent=idempotent, reads_alone=reads_alone)
    for model in (spec.body, spec.query, spec.path, spec.response):
        if model is not None:
            model.model_rebuild()  # schemas defer their build (core.schemas.Schema); this endpoint's are built now
    # Every path is this function's (the gateway routed it here): no route to match (a Starlette router, even one
    # without routes, costs 1 % of a cached read; a route could miss a path with a newline in it).
    handler = FunctionHandler(_Adapter(spec), lifespan="off", text_mime_types=TEXT_TYPES)
    handler.spec = spec
    snapstart.install()  # the end of init
    return handler


def _inspect(endpoint: Endpoint, **options: Any) -> EndpointSpec:
    hints = typing.get_type_hints(endpoint)
    signature = inspect.signature(endpoint)
    parameters = list(signature.parameters)[1:]  # the first is the request
    # A default makes a path parameter optional: one function may serve `/x` and `/x/{name}`.
    path_fields = {
        name: (hints[name], ... if (default := signature.parameters[name].default) is signature.empty else default)
        for name in parameters if name not in ("body", "query")
    }
    path_model = (
        pydantic.create_model(f"{endpoint.__name__}_path", __base__=Input, **path_fields)  # type: ignore[call-overload]
        if path_fields else None
    )
    for name in ("body", "query"):
        if name in hints and not (isinstance(hints[name], type) and issubclass(hints[name], Input)):
            # Input is where the rules every request obeys live (unknown fields, what PostgreSQL can store).
            raise TypeError(f"{endpoint.__name__}: {name} must be a shared.core.schemas.Input model")
    return EndpointSpec(
        endpoint=endpoint,
        name=endpoint.__name__,
        summary=(inspect.getdoc(endpoint) or endpoint.__name__).splitlines()[0],
        auth=options["auth"],
        status=options["status"],
        response=options["response"],
        body=hints.get("body"),
        query=hints.get("query"),
        path=path_model,
        accepts_form=options["accepts_form"],
        errors=options["raises"],
        idempotent=options["idempotent"],
        extra_args=tuple(parameters),
        reads_alone=options["reads_alone"],
    )


class _Adapter:
    """The one route's ASGI app: parse, authorize, call, map errors, measure, log."""

    def __init__(self, spec: EndpointSpec) -> None:
        self.spec = spec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # served by uvicorn directly (the benches): no lifespan to run
            raise RuntimeError(f"an endpoint serves http, not {scope['type']}")
        started = time.perf_counter()
        spec = self.spec
        metrics.current_function.set(spec.name)
        cold_start = metrics.first_invocation(spec.name)
        event = scope.get("aws.event") or {}
        context = event.get("requestContext") or {}
        scope["tourbook.request_id"] = context.get("requestId") or str(uuid.uuid4())
        request = Request(scope, receive)
        if spec.reads_alone:
            request._uow = UnitOfWork(reads_alone=True)
        code = ""
        try:
            response = await self._respond(request)
        except errors.AppError as error:
            response, code = problem(error, request), error.code
        except Exception as exc:  # the last line of defence: log it, reveal nothing
            failure = _unexpected(exc)
            response, code = problem(failure, request), failure.code
        finally:
            if request._uow is not None:
                await request._uow.close()
        _set_request_id(response, request.request_id)
        await response(scope, receive, send)

        route_key = str(event.get("routeKey") or "$default")
        route = route_key.partition(" ")[2] or route_key  # "$default": the route that takes what no other does
        method = scope["method"]
        status = str(response.status_code)
        elapsed = time.perf_counter() - started
        metrics.child(metrics.REQUESTS, spec.name, route, method, status).inc()
        metrics.child(metrics.LATENCY, spec.name, route, method).observe(elapsed)
        if response.status_code >= 400:
            metrics.child(metrics.ERRORS, spec.name, route, method, status, code).inc()
        logs.access("request", {
            "request_id": request.request_id, "function": spec.name, "route": route, "method": method,
            "status": response.status_code, "duration_ms": round(elapsed * 1000, 2), "cold_start": cold_start,
            "user_id": scope.get("tourbook.user_id"),
        })
        metrics.after_invocation(spec.name)

    async def _respond(self, request: Request) -> Response:
        spec = self.spec
        kwargs: dict[str, Any] = {}
        if spec.auth is not None:
            request.principal_ = await spec.auth(request)
            if request.principal_ is not None:  # kept as text: a rolled-back session expires the user row
                request.scope["tourbook.user_id"] = str(request.principal_.id)
        if spec.path is not None:
            kwargs.update(_validate(spec.path, request.event.get("pathParameters") or {}, "path").__dict__)
        if spec.query is not None:
            kwargs["query"] = _validate(spec.query, _form_fields(request.scope["query_string"], "query"), "query")
        if spec.body is not None:
            kwargs["body"] = await _parse_body(request, spec.body, spec.accepts_form)
        if spec.idempotent and request.idempotency_key is not None:
            return await self._idempotently(request, kwargs)
        return await spec.endpoint(request, **kwargs)

    async def _idempotently(self, request: Request, kwargs: dict[str, Any]) -> Response:
        """Claim the key (after auth and validation: those refusals are never stored), run, store or release."""
        from shared.core import idempotency

        key = idempotency.check_key(request.idempotency_key or "")
        body = kwargs.get("body")
        fingerprint = idempotency.fingerprint(
            str(request.event.get("routeKey", request.url.path)),
            pydantic_core.to_json(request.event.get("pathParameters") or {}),
            body.model_dump_json() if isinstance(body, pydantic.BaseModel) else b"",
        )
        held = await idempotency.claim(request.uow, user_id=request.principal.id, key=key, fingerprint=fingerprint)
        if isinstance(held, idempotency.Replay):
            media_type = "application/json" if held.status < 400 else "application/problem+json"
            return Response(held.body, status_code=held.status, media_type=media_type,
                            headers={"Idempotent-Replayed": "true"})
        request.idempotency = held
        try:
            response = await self.spec.endpoint(request, **kwargs)
        except errors.AppError as error:
            await request.uow.rollback()
            await idempotency.finish(held, status=error.status, body=bytes(problem(error, request).body))
            raise
        except BaseException:
            await request.uow.rollback()
            await idempotency.finish(held, status=500, body=b"")
            raise
        await idempotency.finish(held, status=response.status_code, body=bytes(response.body))
        return response


async def _parse_body(request: Request, model: type[M], accepts_form: bool) -> M:
    limit = get_settings().max_body_bytes
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > limit:
        raise errors.PayloadTooLargeError(f"The body is larger than {limit} bytes")
    raw = await request.body()
    if len(raw) > limit:
        raise errors.PayloadTooLargeError(f"The body is larger than {limit} bytes")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if accepts_form and media_type == FORM_TYPE:
        return _validate(model, _form_fields(raw, "body"), "body")  # text, parsed as a query string is
    if not raw.strip():
        raw = b"{}"
    elif media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise errors.UnsupportedMediaTypeError("Send the body as application/json")
    try:
        # Strict: JSON has types, so `true` is no integer, "250" no number and 0 no boolean. Dates,
        # moments and UUIDs, which JSON writes as strings, are still read from strings.
        return model.model_validate_json(raw, strict=True)
    except pydantic.ValidationError as exc:
        if any(item["type"] == "json_invalid" for item in exc.errors()):
            raise errors.BadRequestError("The body is not valid JSON") from None
        raise _invalid(exc, "body") from None


def _set_request_id(response: Response, request_id: str) -> None:
    """`response.headers["x-request-id"] = request_id`, without a MutableHeaders when the endpoint set none."""
    raw = response.raw_headers
    if any(name == b"x-request-id" for name, _ in raw):
        response.headers["x-request-id"] = request_id
    else:
        raw.append((b"x-request-id", request_id.encode("latin-1")))


@functools.cache
def _has_moments(model: type[pydantic.BaseModel]) -> bool:
    """Whether any field of `model` is a date or a time (the fields `numeric_moments` checks)."""
    return bool(numeric_moments(model, dict.fromkeys(model.model_fields, "0")))


def _validate(model: type[M], data: dict[str, Any], where: str) -> M:
    """Text input (query, form, path), read laxly: "2" is a number there, but never a date."""
    if _has_moments(model) and (moments := numeric_moments(model, data)):
        raise errors.ValidationError([{"loc": [where, name], "msg": "Input should be an ISO 8601 date or time",
                                       "type": "date_format"} for name in moments])
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _invalid(exc, where) from None


def _invalid(exc: pydantic.ValidationError, where: str) -> errors.ValidationError:
    # `input` is left out on purpose: it may be a password.
    found = exc.errors(include_url=False, include_context=False, include_input=False)
    listed = [{"loc": [where, *item["loc"]], "msg": item["msg"], "type": item["type"]}
              for item in found[:MAX_LISTED_ERRORS]]
    if len(found) <= MAX_LISTED_ERRORS:
        return errors.ValidationError(listed)
    return errors.ValidationError(listed, f"{len(found)} fields are invalid; the first {MAX_LISTED_ERRORS} are listed")


def _form_fields(encoded: bytes, where: str) -> dict[str, Any]:
    """A query string or form body as fields (repeated keys become lists); text that is not UTF-8 is 400."""
    try:
        pairs = urllib.parse.parse_qsl(encoded.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise errors.BadRequestError(f"The {where} is not valid UTF-8") from None
    params: dict[str, Any] = {}
    for key, value in pairs:
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params


def _unexpected(exc: Exception) -> errors.AppError:
    if outages.is_outage(exc):
        logger.warning("dependency unavailable: %s", exc.__class__.__name__)
        return errors.UnavailableError("A required service is unavailable; try again shortly")
    logger.error("unhandled error", exc_info=exc)
    return errors.AppError("Something went wrong on our side")
