"""Request and response models of the review endpoints."""

import uuid
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StringConstraints

from shared.core.schemas import Input, Output, Page, PageQuery, UtcDatetime, pages


class ReviewCreate(Input):
    rating: int = Field(ge=1, le=5)
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class ReviewsQuery(PageQuery):
    pass


class ReviewOut(Output):
    id: uuid.UUID
    tour_id: uuid.UUID
    user_id: uuid.UUID
    author_name: str
    rating: int
    text: str
    created_at: UtcDatetime


if TYPE_CHECKING:
    ReviewPage = Page[ReviewOut]
else:
    __getattr__ = pages(__name__, ReviewPage="ReviewOut")
