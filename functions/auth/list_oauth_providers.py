"""The sign-in providers this deployment offers."""
from __future__ import annotations

from shared.core import http
from shared.oauth import schemas, services


async def list_oauth_providers(request: http.Request) -> http.Response:
    """List the configured sign-in providers (empty when none is configured)."""
    items = [schemas.ProviderOut(name=provider.name, display_name=provider.display_name)
             for provider in services.list_providers()]
    return http.json(schemas.ProvidersOut(items=items))


handler = http.lambda_handler(list_oauth_providers, response=schemas.ProvidersOut)
