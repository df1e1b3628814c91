"""A tour's reviews."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.reviews import readmodel, schemas


async def list_reviews(request: http.Request, tour_id: uuid.UUID, query: schemas.ReviewsQuery) -> http.Response:
    """List a published tour's reviews, newest first."""
    return http.json(await readmodel.list_reviews(request.uow, tour_id=tour_id, query=query))


handler = http.lambda_handler(list_reviews, response=schemas.ReviewPage, raises=(NotFoundError,))
