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
from shared.core import errors
from shared.core.http import EndpointSpec, FunctionHandler
from shared.users import access

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "functions" / "system" / "openapi.json"
TOKEN_URL = "/v1/auth/login"
SCHEMA_REF = "#/components/schemas/{model}"
SECURITY: list[dict[str, list[str]]] = [{"OAuth2Password": []}, {"BearerToken": []}]
ADMIN_ONLY = (access.admin,)
# Errors the adapter itself raises, by what the endpoint takes.
AUTH_ERRORS = (errors.UnauthorizedError, errors.TokenExpiredError)
BODY_ERRORS = (errors.BadRequestError, errors.PayloadTooLargeError, errors.UnsupportedMediaTypeError,
               errors.ValidationError)
UNEXPECTED_ERRORS = (errors.AppError, errors.UnavailableError)
ERROR_HEADERS = {401: "WWW-Authenticate", 429: "Retry-After", 503: "Retry-After"}
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
    """An error (RFC 9457 problem details)."""

    model_config = pydantic.ConfigDict(extra="allow")

    status: int
    code: str = pydantic.Field(description="Stable and machine-readable: `sold_out`, `validation_error`...")
    title: str
    detail: str
    errors: list[FieldError] | None = pydantic.Field(default=None, description="`validation_error` only")


@dataclass(frozen=True)
class Operation:
    function: sam.Function
    route: sam.HttpRoute
    spec: EndpointSpec
    media_types: tuple[str, ...]  # what a non-JSON response can be (the module's RESPONSE_MEDIA_TYPES)

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
        for route in function.routes:
            yield Operation(function, route, handler.spec, media_types)


def _operation(operation: Operation, schemas: _Schemas) -> dict[str, Any]:
    spec = operation.spec
    lines = (inspect.getdoc(spec.endpoint) or "").splitlines()[1:]
    description = "\n".join(lines).strip()
    if spec.auth in ADMIN_ONLY:
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
    elif spec.status != 204:
        success["content"] = {"application/json": {"schema": {}}}
    responses: dict[str, Any] = {str(spec.status): success}

    raised: list[type[errors.AppError]] = list(spec.errors)
    if spec.auth is not None:
        raised += AUTH_ERRORS
    if spec.auth in ADMIN_ONLY:
        raised.append(errors.ForbiddenError)
    if spec.body is not None:
        raised += BODY_ERRORS
    if spec.query is not None or "{" in operation.route.path:
        raised.append(errors.ValidationError)
    if spec.query is not None and "cursor" in spec.query.model_fields:
        raised.append(errors.BadRequestError)
    by_status: dict[int, dict[str, str]] = {}
    for error in raised:
        by_status.setdefault(error.status, {})[error.code] = error.title
    for status, codes in by_status.items():
        responses[str(status)] = _problem(status, codes, schemas)
    responses["default"] = _problem(None, {error.code: error.title for error in UNEXPECTED_ERRORS}, schemas)
    return responses


def _problem(status: int | None, codes: dict[str, str], schemas: _Schemas) -> dict[str, Any]:
    listed = "; ".join(f"`{code}`: {title}" for code, title in sorted(codes.items()))
    response: dict[str, Any] = {
        "description": listed,
        "content": {"application/problem+json": {"schema": schemas.ref(Problem, "serialization")}},
    }
    if status in ERROR_HEADERS:
        response["headers"] = {ERROR_HEADERS[status]: {"schema": {"type": "string"}}}
    return response


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
        found = {node["$ref"].removeprefix(prefix)} if isinstance(node.get("$ref"), str) else set()
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
