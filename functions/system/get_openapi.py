"""The OpenAPI document, generated at build time (`python -m local_gateway.openapi`) and shipped beside this file."""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from shared.core import http

DOCUMENT = Path(__file__).with_name("openapi.json")
CACHE_CONTROL = "public, max-age=300"
OTHER_RESPONSES = {304: "Not Modified: `If-None-Match` names the current `ETag`"}  # for the OpenAPI document


async def get_openapi(request: http.Request) -> http.Response:
    """Return the OpenAPI 3.1 document of this API."""
    body, etag = _document(request.base_path)
    headers = {"cache-control": CACHE_CONTROL, "etag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return http.Response(status_code=304, headers=headers)
    return http.Response(body, headers=headers, media_type="application/json")


handler = http.lambda_handler(get_openapi)


@functools.lru_cache(maxsize=8)
def _document(base_path: str) -> tuple[bytes, str]:
    """Read once per execution environment; behind a named stage, the links carry its prefix."""
    body = DOCUMENT.read_bytes()
    if base_path:
        document = json.loads(body)
        document["servers"] = [{"url": base_path}]
        for scheme in document.get("components", {}).get("securitySchemes", {}).values():
            for flow in scheme.get("flows", {}).values():
                flow["tokenUrl"] = base_path + flow["tokenUrl"]
        body = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
