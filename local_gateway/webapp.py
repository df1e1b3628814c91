"""The web app's build (`web/dist`) at `/`: hashed assets cached for a year, every other page path falls back to
`index.html` (the app routes in the browser), all under a Content-Security-Policy that allows only this origin
(and the local S3, where images and uploads live)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from local_gateway import template as sam
from local_gateway.problems import send_problem
from shared.core import errors
from shared.core.settings import get_settings

DIST = sam.ROOT / "web" / "dist"
API_PREFIXES = ("/v1/", "/_local/")
API_PATHS = ("/v1", "/_local", "/metrics")
IMMUTABLE = b"public, max-age=31536000, immutable"  # vite names every file under assets/ by its content's hash
NOT_BUILT = "The web app is not built: run `make web` (npm ci and vite build in web/), then reload."


def serves(scope: Scope) -> bool:
    """Page reads outside the API; other methods go on to the gateway, which answers them as it answers any path."""
    path: str = scope["path"]
    return (scope["method"] in ("GET", "HEAD") and path not in API_PATHS
            and not path.startswith(API_PREFIXES))


class _SinglePageFiles(StaticFiles):
    """Starlette's static files (ETag, ranges, HEAD, no path traversal), plus index.html for the app's own paths."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            # A missing asset is a 404, not the page: a stale tab asking for last week's chunk must see it fail.
            if exc.status_code != 404 or path.startswith("assets/") or Path(path).suffix:
                raise
            return await super().get_response("index.html", scope)


class WebApp:
    """ASGI app for `serves()` requests: the build, or a problem saying how to make it."""

    def __init__(self, dist: Path | None = None) -> None:
        self.dist = dist or Path(os.environ.get("GATEWAY_WEB_DIST") or DIST)
        # Compressed as CloudFront does on AWS (`Compress: true`): the app's JavaScript is ~3x smaller gzipped.
        self.files = GZipMiddleware(_SinglePageFiles(directory=self.dist, check_dir=False), minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (self.dist / "index.html").is_file():
            await _problem(scope, send, errors.NotFoundError(NOT_BUILT))
            return
        try:
            await self.files(scope, receive, _with_headers(scope, send))
        except HTTPException as exc:
            await _problem(scope, send, errors.NotFoundError(f"No file or page at {scope['path']}")
                           if exc.status_code == 404 else errors.AppError(exc.detail))


async def _problem(scope: Scope, send: Send, error: errors.AppError) -> None:
    await send_problem(scope, send, error, [(b"cache-control", b"no-cache"), *security_headers()])


def _with_headers(scope: Scope, send: Send) -> Send:
    path: str = scope["path"]
    immutable = path.startswith("/assets/") and ".." not in path.split("/")  # /assets/../index.html is the page

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(name, value) for name, value in message.get("headers", []) if name != b"cache-control"]
            cache = IMMUTABLE if immutable and message["status"] in (200, 206, 304) else b"no-cache"
            headers += [(b"cache-control", cache), *security_headers()]
            message = {**message, "headers": headers}
        await send(message)

    return sending


def security_headers() -> list[tuple[bytes, bytes]]:
    return _security_headers(get_settings().aws_endpoint_url or "")


@lru_cache(maxsize=4)
def _security_headers(storage_endpoint: str) -> list[tuple[bytes, bytes]]:
    """No inline script or style, nothing from elsewhere; images and presigned uploads may use the local S3
    (moto or LocalStack at AWS_ENDPOINT_URL), whose presigned URLs name its own origin."""
    parts = urlsplit(storage_endpoint)
    storage = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{storage}; connect-src 'self'{storage}; media-src 'self' blob:; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
