"""Route matching as API Gateway HTTP APIs do it: literal paths, `{param}` segments, greedy `{proxy+}`."""
from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from local_gateway.template import Function, HttpRoute

_PARAM = re.compile(r"^\{([A-Za-z0-9_.\-]+)(\+?)\}$")


@dataclass(frozen=True)
class Route:
    function: Function
    method: str
    path: str
    route_key: str


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


class MethodNotAllowed(Exception):
    def __init__(self, allowed: Iterable[str]) -> None:
        super().__init__("method not allowed")
        self.allowed = sorted(set(allowed))


class Undecodable(Exception):
    """A path whose percent-escapes are not UTF-8: API Gateway refuses it with a 400."""


class _Template:
    """One path template and the routes (by method) registered on it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.methods: dict[str, Route] = {}
        pattern, self.names, self.specificity = _compile(path)
        self.regex = re.compile(pattern)

    def route(self, method: str) -> Route | None:
        return self.methods.get(method) or self.methods.get("ANY")


class RouteTable:
    """Most specific route first: literal segments beat `{param}`, which beats `{proxy+}`; `$default` last."""

    def __init__(self, routes: Iterable[tuple[Function, HttpRoute]]) -> None:
        templates: dict[str, _Template] = {}
        self.default: _Template | None = None
        for function, http_route in routes:
            template = templates.get(http_route.path)
            if template is None:
                template = templates[http_route.path] = _Template(http_route.path)
            if http_route.method in template.methods:
                raise ValueError(f"Route {http_route.route_key} is declared twice")
            template.methods[http_route.method] = Route(
                function, http_route.method, http_route.path, http_route.route_key
            )
            if http_route.head:
                template.methods["HEAD"] = Route(function, "HEAD", http_route.path, f"HEAD {http_route.path}")
        self.default = templates.pop("$default", None)
        self.literal = {path: t for path, t in templates.items() if not t.names}
        self.templated = sorted((t for t in templates.values() if t.names), key=lambda t: t.specificity)
        self.routes = [route for template in templates.values() for route in template.methods.values()]
        if self.default is not None:
            self.routes.extend(self.default.methods.values())
        # Every templated path in one pattern, most specific first: one match finds the template the loop in
        # `match` would find first (the alternation backtracks past a template that matches only a prefix).
        self._slots: dict[str, tuple[_Template, int, int]] = {}
        alternatives, group = [], 1
        for index, template in enumerate(self.templated):
            alternatives.append(f"(?P<t{index}>{template.regex.pattern[1:-1]})")  # without its ^ and $
            self._slots[f"t{index}"] = (template, group + 1, group + 1 + len(template.names))
            group += 1 + len(template.names)
        self._templated = re.compile(f"^(?:{'|'.join(alternatives)})$") if alternatives else None

    def declares(self, raw_path: str) -> bool:
        """Whether a route of the template (other than `$default`) is for this path, whatever its method."""
        return raw_path in self.literal or bool(self._templated and self._templated.match(raw_path))

    def match(self, method: str, raw_path: str) -> Match | None:
        """The route for a request (path still percent-encoded); None when no path matches.

        Raises MethodNotAllowed when paths match but none has this method (and no `$default` route takes it),
        Undecodable when a path parameter's escapes are not UTF-8.
        """
        allowed: list[str] = []
        template = self.literal.get(raw_path)
        if template is not None:
            route = template.route(method)
            if route is not None:
                return Match(route, {})
            allowed.extend(template.methods)
        elif self._templated is not None:  # the usual case: the first template that matches has the method
            found = self._templated.match(raw_path)
            if found is None and self.default is None:
                return None
            if found is not None:
                template, start, end = self._slots[str(found.lastgroup)]
                route = template.route(method)
                if route is not None:
                    values = found.group(*range(start, end)) if end - start > 1 else (found.group(start),)
                    return Match(route, {name: _unquote(value) for name, value in zip(template.names, values)})
        for template in self.templated:
            found = template.regex.match(raw_path)
            if found is None:
                continue
            route = template.route(method)
            if route is not None:
                return Match(route, {name: _unquote(value) for name, value in zip(template.names, found.groups())})
            allowed.extend(template.methods)
        if self.default is not None:
            route = self.default.route(method)
            if route is not None:
                return Match(route, {})
        if allowed:
            raise MethodNotAllowed(allowed)
        return None


def _unquote(value: str) -> str:
    try:
        return urllib.parse.unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise Undecodable(f"{value!r} is not percent-encoded UTF-8") from None


def _compile(path: str) -> tuple[str, list[str], tuple[int, ...]]:
    pattern, names, specificity = "", [], []
    segments = path.strip("/").split("/") if path.strip("/") else []
    for index, segment in enumerate(segments):
        param = _PARAM.match(segment)
        if param is None:
            pattern += "/" + re.escape(segment)
            specificity.append(0)
        elif param[2]:
            if index != len(segments) - 1:
                raise ValueError(f"A greedy path variable must be the last segment: {path}")
            pattern += "/(.+)"
            names.append(param[1])
            specificity.append(2)
        else:
            pattern += "/([^/]+)"
            names.append(param[1])
            specificity.append(1)
    return f"^{pattern or '/'}$", names, tuple(specificity)
