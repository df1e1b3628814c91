"""A stand-in for Yandex ID's OAuth 2.0 endpoints: a real HTTP server that authorizes at once, checks the PKCE
verifier and the client's credentials at /token, and answers /info for its access tokens as Yandex does."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.servers import QuietHandler, serving


@dataclass
class Yandex:
    url: str
    client_id: str
    client_secret: str
    user: dict[str, Any] = field(default_factory=dict)  # what /info answers
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (challenge, redirect_uri)
    tokens: set[str] = field(default_factory=set)

    def handle(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if method == "GET" and path == "/authorize":
            if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
                return 400, {}, {"error": "invalid_request"}
            code = secrets.token_urlsafe(16)
            self.codes[code] = (query["code_challenge"], query["redirect_uri"])
            back = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            return 302, {"Location": back}, None
        if method == "POST" and path == "/token":
            challenge, redirect_uri = self.codes.pop(form.get("code", ""), ("", ""))
            verifier = form.get("code_verifier", "")
            computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (not challenge or computed != challenge or form.get("redirect_uri") != redirect_uri
                    or form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret):
                return 400, {}, {"error": "invalid_grant", "error_description": "Code has expired"}
            token = secrets.token_urlsafe(16)
            self.tokens.add(token)
            return 200, {}, {"access_token": token, "token_type": "bearer", "expires_in": 3600}
        if method == "GET" and path == "/info":
            scheme, _, token = headers.get("authorization", "").partition(" ")
            if scheme != "OAuth" or token not in self.tokens:
                return 401, {}, {"error": "unauthorized"}
            return 200, {}, self.user
        return 404, {}, {"error": "not_found"}


@contextmanager
def yandex_server(client_id: str, client_secret: str) -> Iterator[Yandex]:
    lock = threading.Lock()
    fake = Yandex(url="", client_id=client_id, client_secret=client_secret)

    class Handler(QuietHandler):
        def _answer(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            with lock:
                status, extra, body = fake.handle(method, parts.path, dict(urllib.parse.parse_qsl(parts.query)),
                                                  dict(urllib.parse.parse_qsl(raw)),
                                                  {key.lower(): value for key, value in self.headers.items()})
            encoded = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def do_GET(self) -> None:  # noqa: N802 - the names http.server calls
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

    with serving(Handler) as fake.url:
        yield fake
