"""Swagger UI, served offline from the swagger-ui-bundle package."""
from __future__ import annotations

import functools
import gzip
import hashlib
import html
import json

from shared.core import errors, http

DOCUMENT_PATH = "/v1/openapi.json"
# The files the page loads; nothing else from the bundle is served (no path ever reaches the disk).
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
# For the OpenAPI document: what the page can be; its files are not operations of the API.
RESPONSE_MEDIA_TYPES = ("text/html",)
NOT_OPERATIONS = ("GET /v1/docs/{asset}",)
CACHE_CONTROL = "public, max-age=86400"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tour booking API</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="{assets}/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: {document},
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    }});
  </script>
</body>
</html>
"""


async def get_docs(request: http.Request, asset: str = "") -> http.Response:
    """Serve Swagger UI: the page, then the files it loads; Authorize logs in with the OAuth2 password flow."""
    if not asset:
        page = _page(request.url.path.rstrip("/"), request.base_path + DOCUMENT_PATH)
        return http.Response(page, media_type="text/html; charset=utf-8", headers={"cache-control": "no-cache"})
    if asset not in ASSETS:
        raise errors.NotFoundError("No such file")
    gzipped = asset.endswith((".js", ".css")) and "gzip" in request.headers.get("accept-encoding", "")
    body, etag = _asset(asset, gzipped)
    headers = {"cache-control": CACHE_CONTROL, "etag": etag, "vary": "accept-encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return http.Response(status_code=304, headers=headers)
    if gzipped:
        headers["content-encoding"] = "gzip"
    return http.Response(body, media_type=ASSETS[asset], headers=headers)


handler = http.lambda_handler(get_docs, raises=(errors.NotFoundError,))


@functools.lru_cache(maxsize=4)
def _page(assets: str, document: str) -> bytes:
    script_safe = json.dumps(document).replace("<", "\\u003c")  # a path can never end the <script>
    return PAGE.format(assets=html.escape(assets), document=script_safe).encode()


@functools.cache
def _asset(name: str, gzipped: bool) -> tuple[bytes, str]:
    """Read (and compress) once per execution environment: the bundle is 1.5 MB, about 0.4 MB gzipped."""
    from swagger_ui_bundle import swagger_ui_path

    body = (swagger_ui_path / name).read_bytes()
    if gzipped:
        body = gzip.compress(body, mtime=0)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
