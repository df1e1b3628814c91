"""The configured providers and the HTTP calls made to them (discovery, token endpoint, user-info, JWKS).

A provider is configured by environment: its name in `OAUTH_PROVIDERS` (comma-separated) and
`OAUTH_<NAME>_CLIENT_ID`, `OAUTH_<NAME>_CLIENT_SECRET`, `OAUTH_<NAME>_ISSUER` (an OpenID Connect issuer,
found by discovery; `google` defaults to Google's). `yandex` speaks plain OAuth 2.0 and is asked who the
user is at its user-info endpoint. Documents fetched from a provider are cached per execution environment.
"""
from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from shared.core import metrics
from shared.oauth.config import oauth_settings
from shared.oauth.errors import SignInError

logger = logging.getLogger("tourbook.oauth")

GOOGLE_ISSUER = "https://accounts.google.com"
YANDEX = {"authorize": "https://oauth.yandex.ru/authorize", "token": "https://oauth.yandex.ru/token",
          "userinfo": "https://login.yandex.ru/info?format=json"}
DISPLAY_NAMES = {"google": "Google", "yandex": "Yandex"}
NAME = re.compile(r"^[a-z][a-z0-9]{0,31}$")
DISCOVERY_TTL_SECONDS = 3600.0
MAX_DOCUMENT_BYTES = 256 * 1024
_documents: dict[str, tuple[float, dict[str, Any]]] = {}  # url -> (fetched at, JSON), per execution environment


@dataclass(frozen=True)
class Provider:
    name: str
    display_name: str
    client_id: str
    client_secret: str
    issuer: str | None  # None: plain OAuth 2.0 (Yandex), no ID token
    scope: str


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    token: str
    userinfo: str | None
    jwks_uri: str | None
    token_auth: str  # client_secret_basic or client_secret_post


def configured() -> dict[str, Provider]:
    """The providers with a client id, in the order `OAUTH_PROVIDERS` names them."""
    found: dict[str, Provider] = {}
    for name in (part.strip().lower() for part in oauth_settings().oauth_providers.split(",")):
        if not name:
            continue
        if not NAME.match(name):
            logger.warning("OAUTH_PROVIDERS names an invalid provider", extra={"provider": name[:40]})
            continue
        client_id = _env(name, "CLIENT_ID")
        issuer = _env(name, "ISSUER") or (GOOGLE_ISSUER if name == "google" else None)
        if not client_id or (issuer is None and name != "yandex"):
            logger.warning("provider left out: OAUTH_%s_CLIENT_ID or _ISSUER is not set", name.upper())
            continue
        found[name] = Provider(
            name=name, display_name=_env(name, "DISPLAY_NAME") or DISPLAY_NAMES.get(name, name.capitalize()),
            client_id=client_id, client_secret=_env(name, "CLIENT_SECRET"),
            issuer=None if name == "yandex" else issuer,
            scope="login:email login:info" if name == "yandex" else "openid email profile",
        )
    return found


def _env(name: str, key: str) -> str:
    variable = f"OAUTH_{name.upper()}_{key}"
    return (os.environ.get(variable) or _dotenv().get(variable) or "").strip()


@functools.cache
def _dotenv() -> dict[str, str | None]:
    """`.env`, as the settings read it (locally; on Lambda there is none)."""
    from dotenv import dotenv_values

    return dotenv_values(".env") if os.path.exists(".env") else {}


async def endpoints(provider: Provider) -> Endpoints:
    if provider.issuer is None:  # Yandex: fixed endpoints (overridable, for a local stand-in)
        return Endpoints(
            authorize=_env(provider.name, "AUTHORIZE_URL") or YANDEX["authorize"],
            token=_env(provider.name, "TOKEN_URL") or YANDEX["token"],
            userinfo=_env(provider.name, "USERINFO_URL") or YANDEX["userinfo"], jwks_uri=None,
            token_auth="client_secret_post",
        )
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = await get_json(url, max_age=DISCOVERY_TTL_SECONDS)
    if document.get("issuer") != provider.issuer:
        raise SignInError("provider_error", "The discovery document names another issuer")
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    try:
        return Endpoints(
            authorize=str(document["authorization_endpoint"]), token=str(document["token_endpoint"]),
            userinfo=document.get("userinfo_endpoint"), jwks_uri=str(document["jwks_uri"]),
            token_auth="client_secret_basic" if "client_secret_basic" in methods else "client_secret_post",
        )
    except KeyError:
        raise SignInError("provider_error", "The discovery document is incomplete") from None


async def redeem_code(provider: Provider, found: Endpoints, *, code: str, code_verifier: str,
                      redirect_uri: str) -> dict[str, Any]:
    """The token endpoint's answer for an authorization code (with the PKCE verifier)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if found.token_auth == "client_secret_basic":
        pair = f"{urllib.parse.quote(provider.client_id)}:{urllib.parse.quote(provider.client_secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    status, answer = await _request(found.token, data=urllib.parse.urlencode(form).encode(), headers=headers)
    if status != 200 or not isinstance(answer, dict) or "access_token" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else None
        logger.warning("the token endpoint refused the code", extra={"provider": provider.name, "status": status,
                                                                     "error": str(error)[:60]})
        raise SignInError("provider_error", "The provider did not accept the authorization code")
    return answer


async def user_info(found: Endpoints, access_token: str, *, scheme: str = "Bearer") -> dict[str, Any]:
    if found.userinfo is None:
        raise SignInError("provider_error", "The provider has no user-info endpoint")
    headers = {"Authorization": f"{scheme} {access_token}", "Accept": "application/json"}
    status, answer = await _request(found.userinfo, headers=headers)
    if status != 200 or not isinstance(answer, dict):
        raise SignInError("provider_error", "The provider did not say who the user is")
    return answer


async def get_json(url: str, *, max_age: float, refresh: bool = False) -> dict[str, Any]:
    """A provider's JSON document, cached for `max_age` seconds (`refresh`: fetched again now)."""
    cached = _documents.get(url)
    if cached is not None and not refresh and time.monotonic() - cached[0] < max_age:
        return cached[1]
    status, document = await _request(url, headers={"Accept": "application/json"})
    if status != 200 or not isinstance(document, dict):
        raise SignInError("provider_error", "The provider's metadata could not be read")
    _documents[url] = (time.monotonic(), document)
    return document


async def _request(url: str, *, data: bytes | None = None, headers: dict[str, str]) -> tuple[int, Any]:
    started = time.perf_counter()
    try:
        status, body = await asyncio.to_thread(_fetch, url, data, headers, oauth_settings().oauth_timeout_seconds)
    except (OSError, ValueError) as exc:  # refused, timed out, not HTTP
        metrics.count_outgoing("oauth", "error")
        logger.warning("provider unreachable: %s", exc.__class__.__name__)
        raise SignInError("provider_error", "The provider could not be reached") from None
    finally:
        metrics.observe_integration("http", "oauth", time.perf_counter() - started)
    metrics.count_outgoing("oauth", "ok" if status < 400 else "error")
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def _fetch(url: str, data: bytes | None, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise ValueError("not an http(s) URL")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked
            return int(response.status), response.read(MAX_DOCUMENT_BYTES)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(MAX_DOCUMENT_BYTES)
