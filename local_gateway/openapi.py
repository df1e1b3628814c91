"""The OpenAPI 3.1 document: routes from template.yaml, everything else from each handler's `spec`.

`python -m local_gateway.openapi` writes functions/system/openapi.json, which the GetOpenapi function
serves as it is (`--check` only compares). Deterministic: sorted keys, two-space indent.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import sys
import tomllib
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from local_gateway import template as sam
from shared.core import errors, idempotency
from shared.core.http import EndpointSpec, FunctionHandler
from shared.users import access

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "functions" / "system" / "openapi.json"
TOKEN_URL = "/v1/auth/login"
SCHEMA_REF = "#/components/schemas/{model}"
SECURITY: list[dict[str, list[str]]] = [{"OAuth2Password": []}, {"BearerToken": []}]
ADMIN_ONLY = (access.admin, access.staff)
# Errors the adapter itself raises, by what the endpoint takes; the endpoint's own come from `raises=`.
AUTH_ERRORS = (errors.UnauthorizedError, errors.TokenExpiredError)
BODY_ERRORS = (errors.BadRequestError, errors.PayloadTooLargeError, errors.UnsupportedMediaTypeError,
               errors.ValidationError)
IDEMPOTENCY_ERRORS = (idempotency.IdempotencyInProgressError, idempotency.IdempotencyKeyReusedError)
UNEXPECTED_ERRORS = (errors.AppError, errors.UnavailableError)
EXAMPLE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
HEADER_REF = "#/components/headers/{name}"
EXAMPLE_REF = "#/components/examples/{code}"
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {"description": "The request's id, also in every problem body: quote it when reporting a problem",
                     "required": True, "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before trying again", "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "WWW-Authenticate": {"description": "`Bearer`", "required": True, "schema": {"type": "string"}},
    "Location": {"description": "Where the browser goes next", "required": True, "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with the same "
                       "`Idempotency-Key` (nothing was done again)",
        "required": False, "schema": {"type": "string", "enum": ["true"]},
    },
}
ERROR_HEADERS = {401: "WWW-Authenticate", 429: "Retry-After", 503: "Retry-After"}
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": (
        f"Makes a retry safe: the same key with the same body within {idempotency.KEEP_HOURS} h replays the first "
        "response (with `Idempotent-Replayed: true`) and changes nothing; with another body it is 422 "
        "`idempotency_key_reused`; while the first request runs, 409 `idempotency_in_progress`. Scoped to the caller."
    ),
    # str.isprintable() over what a header carries (Latin-1): no controls, no NBSP, no soft hyphen.
    "schema": {"type": "string", "minLength": 1, "maxLength": 255,
               "pattern": "^[\\x20-\\x7e\\xa1-\\xac\\xae-\\xff]+$"},
}
TEXT_MEDIA_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
DESCRIPTION = """\
Book tours: browse tours and their departures, book seats, pay, cancel, review.

Every error is `application/problem+json` with a stable `code`. Signed-in endpoints take
`Authorization: Bearer <access_token>` from `POST /v1/auth/login` (the Authorize button logs in
with the OAuth2 password flow: the email is the username)."""


class FieldError(pydantic.BaseModel):
    loc: list[str | int] = pydantic.Field(description='Where: ["body", "seats"], ["query", "limit"]...')
    msg: str
    type: str


class Problem(pydantic.BaseModel):
    """An error (RFC 9457 problem details); some codes add fields (`sold_out`: `seats_left`)."""

    model_config = pydantic.ConfigDict(extra="allow")

    type: str = pydantic.Field(description=f"`{errors.PROBLEM_TYPES}<code>`: a stable name, not a page to fetch")
    status: int
    code: str = pydantic.Field(description="Stable and machine-readable: `sold_out`, `validation_error`...")
    title: str = pydantic.Field(description="The same for every problem of this code")
    detail: str = pydantic.Field(description="What went wrong this time, for people")
    instance: str = pydantic.Field(description="The request's path")
    request_id: str = pydantic.Field(description="As in the `X-Request-Id` header")
    errors: list[FieldError] | None = pydantic.Field(
        default=None, description="`validation_error` and `idempotency_key_reused` only: each invalid field",
    )


@dataclass(frozen=True)
class Operation:
    function: sam.Function
    route: sam.HttpRoute
    spec: EndpointSpec
    media_types: tuple[str, ...]  # what a non-JSON response can be (the module's RESPONSE_MEDIA_TYPES)
    other_responses: dict[int, str]  # statuses besides `status` that are not errors (the module's OTHER_RESPONSES)

    @property
    def operation_id(self) -> str:
        if len(self.function.routes) == 1:
            return self.spec.name
        return f"{self.spec.name}_{re.sub(r'(?<!^)(?=[A-Z])', '_', self.route.event_name).lower()}"


class _Schemas:
    """Every model's JSON Schema, generated together so names are unique and `$defs` land in components."""

    def __init__(self, operations: list[Operation]) -> None:
        wanted: dict[tuple[type[pydantic.BaseModel], JsonSchemaMode], None] = {(Problem, "serialization"): None}
        for operation in operations:
            spec = operation.spec
            for model in (spec.body, spec.query, spec.path):
                if model is not None:
                    wanted[(model, "validation")] = None
            if spec.response is not None:
                wanted[(spec.response, "serialization")] = None
        refs, top = models_json_schema(list(wanted), ref_template=SCHEMA_REF)
        self._refs = {key: value["$ref"] for key, value in refs.items()}
        self.components: dict[str, Any] = top.get("$defs", {})
        titles: dict[str, str] = {}
        for name, schema in self.components.items():
            if (other := titles.setdefault(schema.get("title", name), name)) != name:
                raise ValueError(f"{other} and {name} are both titled {schema['title']!r}: rename a model")

    def ref(self, model: type[pydantic.BaseModel], mode: JsonSchemaMode = "validation") -> dict[str, str]:
        return {"$ref": self._refs[(model, mode)]}

    def definition(self, model: type[pydantic.BaseModel]) -> dict[str, Any]:
        name = self._refs[(model, "validation")].rsplit("/", 1)[-1]
        return dict(self.components[name])


def build(template_path: Path = sam.DEFAULT_TEMPLATE) -> dict[str, Any]:
    """The whole document, from the template's HTTP routes and the handlers they name."""
    operations = list(_operations(sam.load(template_path)))
    schemas = _Schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for operation in operations:
        method = operation.route.method.lower()
        if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            raise ValueError(f"{operation.function.logical_id}: method {operation.route.method} has no OpenAPI form")
        if method in paths.setdefault(operation.route.path, {}):
            raise ValueError(f"Two functions serve {operation.route.route_key}")
        if operation.operation_id in operation_ids:
            raise ValueError(f"Two operations are named {operation.operation_id}")
        operation_ids.add(operation.operation_id)
        paths[operation.route.path][method] = _operation(operation, schemas)
    if not any(op.route.path == TOKEN_URL and op.route.method == "POST" for op in operations):
        raise ValueError(f"No POST {TOKEN_URL} route for the OAuth2 password flow")
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Tour booking API", "version": _version(), "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "headers": HEADERS,
            "examples": _examples(operations),
            "parameters": {"Idempotency-Key": IDEMPOTENCY_KEY},
            "securitySchemes": {
                "OAuth2Password": {
                    "type": "oauth2",
                    "description": "Log in with an email (as the username) and a password.",
                    "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}},
                },
                "BearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
        "tags": [{"name": tag} for tag in sorted({_tag(operation) for operation in operations})],
    }
    return _prune(document)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _operations(template: sam.Template) -> Iterator[Operation]:
    for function in template.functions:
        if not function.routes:
            continue
        module = importlib.import_module(function.module)
        handler = getattr(module, function.attribute)
        if not isinstance(handler, FunctionHandler):
            raise TypeError(f"{function.module}.{function.attribute} is not built with http.lambda_handler")
        media_types = tuple(getattr(module, "RESPONSE_MEDIA_TYPES", ()))
        other_responses = dict(getattr(module, "OTHER_RESPONSES", {}))
        hidden = set(getattr(module, "NOT_OPERATIONS", ()))
        for route in function.routes:
            if route.route_key not in hidden:
                yield Operation(function, route, handler.spec, media_types, other_responses)


def _operation(operation: Operation, schemas: _Schemas) -> dict[str, Any]:
    spec = operation.spec
    lines = (inspect.getdoc(spec.endpoint) or "").splitlines()[1:]
    if spec.query is not None and spec.query.__doc__:  # rules between parameters (a range's ends) live there
        lines.append(inspect.cleandoc(spec.query.__doc__))
    description = "\n".join(lines).strip()
    if spec.auth is access.staff:
        description = ("Admins and guides only. " + description).strip()
    elif spec.auth in ADMIN_ONLY:
        description = ("Admins only. " + description).strip()
    result: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": spec.summary,
        "tags": [_tag(operation)],
        "responses": _responses(operation, schemas),
    }
    if description:
        result["description"] = description
    parameters = _path_parameters(operation, schemas) + _model_parameters(spec.query, "query", schemas)
    if spec.idempotent:
        parameters.append({"$ref": "#/components/parameters/Idempotency-Key"})
    if parameters:
        result["parameters"] = parameters
    if spec.body is not None:
        content = {"application/json": {"schema": schemas.ref(spec.body)}}
        if spec.accepts_form:
            content["application/x-www-form-urlencoded"] = {"schema": schemas.ref(spec.body)}
        result["requestBody"] = {"required": bool(schemas.definition(spec.body).get("required")), "content": content}
    if spec.auth is not None:
        # An authenticator that may return None lets anonymous callers in: `{}` makes the token optional.
        result["security"] = ([{}] if _anonymous_allowed(spec) else []) + SECURITY
    return result


def _anonymous_allowed(spec: EndpointSpec) -> bool:
    returns = typing.get_type_hints(spec.auth).get("return")
    return type(None) in typing.get_args(returns)


def _path_parameters(operation: Operation, schemas: _Schemas) -> list[dict[str, Any]]:
    """The route's `{names}`, typed by the endpoint's arguments; both sides must agree."""
    names = [name.rstrip("+") for name in re.findall(r"\{([^}]+)\}", operation.route.path)]
    model = operation.spec.path
    definition = schemas.definition(model) if model is not None else {}
    properties = definition.get("properties", {})
    where = f"{operation.function.logical_id} ({operation.route.route_key})"
    if missing := [name for name in names if name not in properties]:
        raise ValueError(f"{where}: the endpoint takes no argument for {missing}")
    if unsent := [name for name in definition.get("required", []) if name not in names]:
        raise ValueError(f"{where}: the route has no {{{unsent[0]}}} for the endpoint's required argument")
    # A default only serves the function's other routes (one without the parameter); here it is always sent.
    return [
        _parameter(name, "path", {k: v for k, v in properties[name].items() if k != "default"}, required=True)
        for name in names
    ]


def _model_parameters(model: type[pydantic.BaseModel] | None, where: Literal["query"],
                      schemas: _Schemas) -> list[dict[str, Any]]:
    if model is None:
        return []
    definition = schemas.definition(model)
    required = set(definition.get("required", []))
    return [
        _parameter(name, where, schema, required=name in required)
        for name, schema in definition.get("properties", {}).items()
    ]


def _parameter(name: str, where: str, schema: dict[str, Any], *, required: bool) -> dict[str, Any]:
    schema = {key: value for key, value in schema.items() if key != "title"}
    parameter: dict[str, Any] = {"name": name, "in": where, "required": required, "schema": schema}
    if "description" in schema:
        parameter["description"] = schema.pop("description")
    return parameter


def _responses(operation: Operation, schemas: _Schemas) -> dict[str, Any]:
    spec = operation.spec
    success: dict[str, Any] = {"description": HTTPStatus(spec.status).phrase}
    if spec.response is not None:
        success["content"] = {"application/json": {"schema": schemas.ref(spec.response, "serialization")}}
    elif operation.media_types:
        success["content"] = {
            media_type: {"schema": {"type": "string"}} if media_type.startswith(TEXT_MEDIA_TYPES) else {}
            for media_type in operation.media_types
        }
    elif spec.status == 302:  # a redirect (sign-in with other providers): where to is the Location header
        success["headers"] = {"Location": {}}
    elif spec.status != 204:
        success["content"] = {"application/json": {"schema": {}}}
    responses: dict[str, Any] = {str(spec.status): success}
    for status, description in operation.other_responses.items():
        # 304 has no body; any other status the endpoint answers itself has the success's body
        has_body = status not in (204, 304) and "content" in success
        responses[str(status)] = {**success, "description": description} if has_body else {"description": description}

    by_status: dict[int, dict[str, type[errors.AppError]]] = {}
    for error in _raised(operation):
        by_status.setdefault(error.status, {})[error.code] = error
    for status, raised in sorted(by_status.items()):
        problem = _problem(operation, status, raised, schemas)
        if str(status) in responses:  # an endpoint's own answer with this status (health's 503): either body
            problem = {**problem, "content": {**responses[str(status)].get("content", {}), **problem["content"]},
                       "description": f"{responses[str(status)]['description']}; {problem['description']}"}
        responses[str(status)] = problem
    for key, response in responses.items():
        names = ["X-Request-Id", *response.get("headers", {})]
        if spec.idempotent and int(key) in idempotency.STORED_STATUSES:
            names.append("Idempotent-Replayed")
        response["headers"] = {name: {"$ref": HEADER_REF.format(name=name)} for name in names}
    return responses


def _raised(operation: Operation) -> list[type[errors.AppError]]:
    """Every error the operation answers with: the adapter's, by what the endpoint takes, and its own."""
    spec = operation.spec
    raised: list[type[errors.AppError]] = []
    if spec.auth is not None:
        raised += AUTH_ERRORS
    if spec.auth in ADMIN_ONLY:
        raised.append(errors.ForbiddenError)
    if spec.body is not None:
        raised += BODY_ERRORS
    if spec.query is not None or spec.path is not None:
        raised.append(errors.ValidationError)
    if spec.query is not None and "cursor" in spec.query.model_fields:
        raised.append(errors.BadRequestError)
    if spec.idempotent:
        raised += IDEMPOTENCY_ERRORS
    return raised + list(spec.errors) + list(UNEXPECTED_ERRORS)


def _problem(operation: Operation, status: int, raised: dict[str, type[errors.AppError]],
             schemas: _Schemas) -> dict[str, Any]:
    """One status: its codes listed, the body's `status` and `code` pinned to them, an example of each."""
    listed = "; ".join(f"`{code}`: {error.title}" for code, error in sorted(raised.items()))
    schema = {
        "allOf": [schemas.ref(Problem, "serialization")],
        "properties": {"status": {"const": status}, "code": {"enum": sorted(raised)}},
    }
    examples = {code: {"$ref": EXAMPLE_REF.format(code=code)} for code in sorted(raised)}
    response: dict[str, Any] = {
        "description": listed,
        "content": {"application/problem+json": {"schema": schema, "examples": examples}},
    }
    if status in ERROR_HEADERS:
        response["headers"] = {ERROR_HEADERS[status]: {}}
    return response


def _examples(operations: list[Operation]) -> dict[str, Any]:
    """A problem body of each code, as the first operation (by route) that answers with it would send it."""
    examples: dict[str, Any] = {}
    for operation in sorted(operations, key=lambda operation: operation.route.route_key):
        for error in _raised(operation):
            if error.code not in examples:
                examples[error.code] = {"summary": error.title, "value": _example(operation, error)}
    return dict(sorted(examples.items()))


def _example(operation: Operation, error: type[errors.AppError]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": errors.PROBLEM_TYPES + error.code, "status": error.status, "code": error.code, "title": error.title,
        "detail": error.title, "instance": re.sub(r"\{[^}]+\}", EXAMPLE_ID, operation.route.path),
        "request_id": EXAMPLE_ID,
    }
    if error is idempotency.IdempotencyKeyReusedError:
        body["errors"] = [{"loc": ["header", "Idempotency-Key"], "msg": "This Idempotency-Key was used with another "
                           "request", "type": error.code}]
    elif issubclass(error, errors.ValidationError):
        body["errors"] = [{"loc": ["body", "seats"], "msg": "Input should be less than or equal to 10",
                           "type": "less_than_equal"}]
    return body


def _tag(operation: Operation) -> str:
    return operation.function.code_uri.strip("/").rsplit("/", 1)[-1]


def _prune(document: dict[str, Any]) -> dict[str, Any]:
    """Drop the component schemas nothing refers to (query and path models are inlined as parameters)."""
    components = document["components"]["schemas"]
    used: set[str] = set()
    pending = _refs({key: value for key, value in document.items() if key != "components"})
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending |= _refs(components[name])
    document["components"]["schemas"] = {name: schema for name, schema in components.items() if name in used}
    return document


def _refs(node: Any) -> set[str]:
    prefix = SCHEMA_REF.format(model="")
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = {ref.removeprefix(prefix)} if isinstance(ref, str) and ref.startswith(prefix) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node))
    return set()


def _version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as stream:
        return str(tomllib.load(stream)["project"]["version"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_gateway.openapi", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
            print(f"{args.output} is stale: run python -m local_gateway.openapi", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
