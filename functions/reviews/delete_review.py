"""Remove a review."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import ForbiddenError, NotFoundError
from shared.reviews import services
from shared.users import access


async def delete_review(request: http.Request, review_id: uuid.UUID) -> http.Response:
    """Delete a review (its author or an admin)."""
    await services.delete_review(request.uow, caller=access.caller(request), review_id=review_id)
    return http.no_content()


handler = http.lambda_handler(delete_review, auth=access.signed_in, status=204, raises=(NotFoundError, ForbiddenError))
