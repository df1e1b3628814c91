"""The caller's sign-in identities at other providers."""
from __future__ import annotations

from shared.core import http
from shared.oauth import schemas, services
from shared.users import access


async def list_identities(request: http.Request) -> http.Response:
    """List the providers linked to the caller's account."""
    identities = await services.list_identities(request.uow, user=access.caller(request))
    return http.json(schemas.IdentitiesOut(items=[schemas.IdentityOut.model_validate(item) for item in identities]))


handler = http.lambda_handler(list_identities, auth=access.signed_in, response=schemas.IdentitiesOut)
