"""Rotate a refresh token."""
from __future__ import annotations

from shared.core import http
from shared.core.errors import UnauthorizedError
from shared.users import schemas, services


async def refresh_tokens(request: http.Request, body: schemas.RefreshIn) -> http.Response:
    """Trade a refresh token for a new pair; the old refresh token dies."""
    issued = await services.refresh_tokens(request.uow, refresh_token=body.refresh_token)
    return http.json(issued)


handler = http.lambda_handler(refresh_tokens, response=schemas.TokensOut, raises=(UnauthorizedError,))
