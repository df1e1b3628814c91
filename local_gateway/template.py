"""template.yaml as the gateway sees it: functions, their HTTP routes, schedules and queues, and CORS."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATE = ROOT / "template.yaml"
ACCOUNT_ID = "000000000000"


@dataclass(frozen=True)
class Tag:
    """An intrinsic function (`!Ref x`, `!Sub "..."`, ...) kept as data until it is resolved."""

    name: str
    value: Any


class TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that loads CloudFormation's short-form tags (`!Ref`, `!GetAtt`, `!If`, ...)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tag:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return Tag(suffix, value)


TemplateLoader.add_multi_constructor("!", _construct_tag)


@dataclass(frozen=True)
class HttpRoute:
    method: str  # upper case; "ANY" matches every method
    path: str  # /v1/tours/{tour_id}, /files/{proxy+}
    event_name: str
    head: bool = False  # a GET route whose HEAD twin the template declares too (the same function answers it)

    @property
    def route_key(self) -> str:
        """What API Gateway puts in an event's `routeKey`: "GET /v1/tours", or "$default" for that route."""
        return self.path if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class Schedule:
    event_name: str
    expression: str  # rate(5 minutes) | cron(...)
    input: str | None = None  # a JSON document sent instead of the scheduled event
    enabled: bool = True

    @property
    def rate_seconds(self) -> float | None:
        """The period of a `rate(...)` expression; None for cron (not run locally)."""
        return parse_rate(self.expression)


@dataclass(frozen=True)
class QueueTrigger:
    event_name: str
    queue: str  # the queue's logical id, or an ARN/URL written in the template
    queue_name: str  # the SQS queue name used locally
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class UploadTrigger:
    """An EventBridge rule on S3 "Object Created" events of the uploads bucket, by key prefix."""

    event_name: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: str
    handler: str
    module: str  # functions.auth.register_user
    attribute: str  # handler
    memory_mb: int = 128
    timeout_seconds: float = 3.0
    routes: tuple[HttpRoute, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    queues: tuple[QueueTrigger, ...] = ()
    uploads: tuple[UploadTrigger, ...] = ()

    @property
    def name(self) -> str:
        """The handler module's name (register_user): sample events are named after it."""
        return self.module.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ("*",)
    allow_methods: tuple[str, ...] = ("*",)
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int = 0
    allow_credentials: bool = False


@dataclass(frozen=True)
class Template:
    functions: tuple[Function, ...]
    cors: Cors | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    # Environment variables set to a queue's URL (`NOTIFICATIONS_QUEUE_URL: !Ref Queue`) → the local queue name.
    queue_variables: Mapping[str, str] = field(default_factory=dict)

    def function(self, logical_id: str) -> Function:
        for function in self.functions:
            if function.logical_id == logical_id:
                return function
        known = ", ".join(sorted(f.logical_id for f in self.functions))
        raise KeyError(f"No function {logical_id!r} in the template (known: {known})")

    @property
    def routes(self) -> list[tuple[Function, HttpRoute]]:
        return [(function, route) for function in self.functions for route in function.routes]


def load(path: Path | str = DEFAULT_TEMPLATE, *, parameters: Mapping[str, Any] | None = None,
         region: str = "eu-west-1") -> Template:
    """Read a SAM template; parameter defaults (or `parameters`) resolve `!Ref`, `!Sub`, `!If`..."""
    with open(path, encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    return parse(document, parameters=parameters, region=region)


def parse(document: Mapping[str, Any], *, parameters: Mapping[str, Any] | None = None,
          region: str = "eu-west-1") -> Template:
    resources: dict[str, Any] = dict(document.get("Resources") or {})
    values: dict[str, Any] = {}
    for name, spec in (document.get("Parameters") or {}).items():
        default = (spec or {}).get("Default")
        if (spec or {}).get("Type") == "CommaDelimitedList" and isinstance(default, str):
            default = default.split(",")
        values[name] = default
    values.update(parameters or {})
    resolver = _Resolver(values, document.get("Conditions") or {}, resources, region)

    globals_ = (document.get("Globals") or {}).get("Function") or {}
    functions = [
        _function(logical_id, {**globals_, **(spec.get("Properties") or {})}, resources, resolver)
        for logical_id, spec in resources.items()
        if spec.get("Type") == "AWS::Serverless::Function"
    ]
    return Template(tuple(functions), _cors(document, resources, resolver), values,
                    _queue_variables(globals_, resources, resolver))


def parse_rate(expression: str) -> float | None:
    match = _RATE.fullmatch(expression.strip())
    if match is None:
        return None
    amount, unit = int(match["amount"]), match["unit"].rstrip("s")
    return float(amount * {"minute": 60, "hour": 3600, "day": 86400}[unit])


def _fold_heads(routes: list[HttpRoute]) -> list[HttpRoute]:
    """A HEAD event beside a GET event of the same path is that GET route's HEAD, not a route of its own:
    the function answers it as the GET (API Gateway sends no body), and the API lists one operation."""
    gets = {route.path for route in routes if route.method == "GET"}
    heads = {route.path for route in routes if route.method == "HEAD"} & gets
    return [dataclasses.replace(route, head=route.path in heads) if route.method == "GET" else route
            for route in routes if not (route.method == "HEAD" and route.path in heads)]


_RATE = re.compile(r"rate\(\s*(?P<amount>[1-9][0-9]*)\s+(?P<unit>minutes?|hours?|days?)\s*\)")


def _function(logical_id: str, props: dict[str, Any], resources: dict[str, Any], resolver: _Resolver) -> Function:
    code_uri = str(resolver.resolve(props.get("CodeUri", "")) or "")
    handler = str(resolver.resolve(props["Handler"]))
    module_name, _, attribute = handler.rpartition(".")
    package = code_uri.strip().removeprefix("./").strip("/").replace("/", ".")
    routes: list[HttpRoute] = []
    schedules: list[Schedule] = []
    queues: list[QueueTrigger] = []
    uploads: list[UploadTrigger] = []
    for event_name, event in (props.get("Events") or {}).items():
        kind = event.get("Type")
        properties = event.get("Properties") or {}
        if kind == "HttpApi":
            routes.append(HttpRoute(
                str(resolver.resolve(properties.get("Method", "ANY"))).upper().replace("*", "ANY"),
                str(resolver.resolve(properties.get("Path", "$default"))), event_name,
            ))
        elif kind in ("Schedule", "ScheduleV2"):
            expression = properties.get("Schedule") or properties.get("ScheduleExpression")
            state = str(resolver.resolve(properties.get("State", "ENABLED"))).upper()
            schedules.append(Schedule(
                event_name, str(resolver.resolve(expression)),
                _optional_str(resolver.resolve(properties.get("Input"))),
                _flag(resolver.resolve(properties.get("Enabled", True))) and state != "DISABLED",
            ))
        elif kind == "SQS":
            queue, queue_name = _queue(properties.get("Queue"), resources, resolver)
            queues.append(QueueTrigger(
                event_name, queue, queue_name, int(resolver.resolve(properties.get("BatchSize", 10))),
                "ReportBatchItemFailures" in (resolver.resolve(properties.get("FunctionResponseTypes")) or []),
                _flag(resolver.resolve(properties.get("Enabled", True))),
            ))
        elif kind == "EventBridgeRule":
            pattern = properties.get("Pattern") or {}
            if "aws.s3" in (pattern.get("source") or []) and "Object Created" in (pattern.get("detail-type") or []):
                keys = ((pattern.get("detail") or {}).get("object") or {}).get("key") or [{"prefix": ""}]
                uploads.append(UploadTrigger(event_name, tuple(
                    str(resolver.resolve(rule.get("prefix", ""))) for rule in keys if isinstance(rule, dict)
                )))
    routes = _fold_heads(routes)
    return Function(
        logical_id=logical_id, code_uri=code_uri, handler=handler,
        module=f"{package}.{module_name}" if package else module_name, attribute=attribute,
        memory_mb=int(resolver.resolve(props.get("MemorySize", 128))),
        timeout_seconds=float(resolver.resolve(props.get("Timeout", 3))),
        routes=tuple(routes), schedules=tuple(schedules), queues=tuple(queues), uploads=tuple(uploads),
    )


def _queue(reference: Any, resources: dict[str, Any], resolver: _Resolver) -> tuple[str, str]:
    """The queue's logical id (from `!GetAtt Q.Arn` or `!Ref Q`) and the name to use for it locally."""
    reference = _short_form(reference)
    logical_id: str | None = None
    if isinstance(reference, Tag) and reference.name == "GetAtt":
        logical_id = str(reference.value[0])
    elif isinstance(reference, Tag) and reference.name == "Ref" and reference.value in resources:
        logical_id = str(reference.value)
    if logical_id is not None:
        name = resolver.resolve((resources[logical_id].get("Properties") or {}).get("QueueName"))
        return logical_id, name if isinstance(name, str) and name else logical_id
    literal = str(resolver.resolve(reference))
    return literal, literal.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]  # ARN or URL: the last part


def _queue_variables(globals_: dict[str, Any], resources: dict[str, Any], resolver: _Resolver) -> dict[str, str]:
    found: dict[str, str] = {}
    properties = [globals_] + [spec.get("Properties") or {} for spec in resources.values()
                               if spec.get("Type") == "AWS::Serverless::Function"]
    for props in properties:
        for variable, value in ((props.get("Environment") or {}).get("Variables") or {}).items():
            reference = _short_form(value)
            if (isinstance(reference, Tag) and reference.name == "Ref"
                    and (resources.get(str(reference.value)) or {}).get("Type") == "AWS::SQS::Queue"):
                found[str(variable)] = _queue(reference, resources, resolver)[1]
    return found


def _cors(document: Mapping[str, Any], resources: dict[str, Any], resolver: _Resolver) -> Cors | None:
    configs = [
        (spec.get("Properties") or {}).get("CorsConfiguration")
        for spec in resources.values() if spec.get("Type") == "AWS::Serverless::HttpApi"
    ]
    configs.append(((document.get("Globals") or {}).get("HttpApi") or {}).get("CorsConfiguration"))
    config = resolver.resolve(next((c for c in configs if c), None))
    if not config:
        return None
    if config is True:
        return Cors()
    if isinstance(config, str):
        return Cors(allow_origins=(config.strip("'"),))

    def strings(key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = config.get(key)
        return tuple(str(item) for item in value if item is not None) if value else default

    return Cors(
        allow_origins=strings("AllowOrigins"), allow_methods=strings("AllowMethods", ("*",)),
        allow_headers=strings("AllowHeaders"), expose_headers=strings("ExposeHeaders"),
        max_age=int(config.get("MaxAge") or 0), allow_credentials=bool(config.get("AllowCredentials")),
    )


def _flag(value: Any) -> bool:
    return value.strip().lower() not in ("false", "0", "no") if isinstance(value, str) else bool(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _short_form(value: Any) -> Any:
    """`{"Fn::GetAtt": [...]}` and `{"Ref": x}` (the JSON forms) as the equivalent Tag."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref" or key == "Condition":
            return Tag(key, inner)
        if key.startswith("Fn::"):
            name = key[4:]
            return Tag(name, inner.split(".", 1) if name == "GetAtt" and isinstance(inner, str) else inner)
    return value


_NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!]+)\}")


class _Resolver:
    """Resolves the intrinsics whose value is known locally; the others stay as Tags."""

    def __init__(self, parameters: dict[str, Any], conditions: Mapping[str, Any], resources: Mapping[str, Any],
                 region: str) -> None:
        self.values = {
            "AWS::Region": region, "AWS::AccountId": ACCOUNT_ID, "AWS::StackName": "local",
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/local/0",
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": _NO_VALUE,
            **parameters,
        }
        self.conditions = conditions
        self.resources = resources

    def resolve(self, value: Any) -> Any:
        value = _short_form(value)
        if isinstance(value, Tag):
            resolved = self._intrinsic(value)
            return None if resolved is _NO_VALUE else resolved
        if isinstance(value, list):
            return [item for item in (self.resolve(item) for item in value) if item is not None]
        if isinstance(value, dict):
            return {key: item for key, item in ((k, self.resolve(v)) for k, v in value.items()) if item is not None}
        return value

    def condition(self, name: str) -> bool:
        return bool(self._intrinsic(_short_form(self.conditions[name])))

    def _intrinsic(self, tag: Tag) -> Any:
        name, value = tag.name, tag.value
        if name == "Ref":
            if value in self.values:
                return self.values[value]
            return value if value in self.resources else tag
        if name == "Sub":
            text, local = (value[0], value[1]) if isinstance(value, list) else (value, {})
            variables = {**self.values, **{k: self.resolve(v) for k, v in local.items()}}

            def substitute(match: re.Match[str]) -> str:
                found = variables.get(match[1])
                return match[0] if found is None or found is _NO_VALUE else _text(found)

            return _SUB.sub(substitute, str(text))
        if name == "Join":
            items = self.resolve(value[1])
            return str(value[0]).join(_text(item) for item in (items if isinstance(items, list) else [items]))
        if name == "If":
            chosen = value[1] if self.condition(str(value[0])) else value[2]
            resolved = _short_form(chosen)
            if isinstance(resolved, Tag) and resolved.name == "Ref" and resolved.value == "AWS::NoValue":
                return _NO_VALUE
            return self.resolve(chosen)
        if name == "Equals":
            left, right = (self.resolve(item) for item in value)
            return _text(left) == _text(right)
        if name == "Not":
            return not self._truth(value[0])
        if name == "And":
            return all(self._truth(item) for item in value)
        if name == "Or":
            return any(self._truth(item) for item in value)
        if name == "Condition":
            return self.condition(str(value))
        if name == "Select":
            items = self.resolve(value[1])
            return items[int(self.resolve(value[0]))] if isinstance(items, list) else tag
        if name == "Split":
            text = self.resolve(value[1])
            return text.split(str(value[0])) if isinstance(text, str) else tag
        return tag  # GetAtt, FindInMap, ImportValue...: only AWS knows

    def _truth(self, value: Any) -> bool:
        value = _short_form(value)
        return bool(self._intrinsic(value)) if isinstance(value, Tag) else bool(value)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return "" if value is None else str(value)
