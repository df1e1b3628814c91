"""Review a tour."""
from __future__ import annotations

import uuid

from shared.core import http
from shared.core.errors import NotFoundError
from shared.reviews import readmodel, schemas, services
from shared.reviews.errors import AlreadyReviewedError, ReviewNotAllowedError
from shared.users import access


async def create_review(request: http.Request, tour_id: uuid.UUID, body: schemas.ReviewCreate) -> http.Response:
    """Review a tour after a completed trip on it; one review per tour."""
    user = access.caller(request)
    review = await services.create_review(request.uow, user=user, tour_id=tour_id, data=body)
    return http.json(readmodel.review_out(review, user), status=201)


handler = http.lambda_handler(create_review, auth=access.signed_in, status=201, response=schemas.ReviewOut,
                              raises=(NotFoundError, ReviewNotAllowedError, AlreadyReviewedError))
