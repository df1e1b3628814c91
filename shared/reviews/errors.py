"""Errors of reviews."""
from __future__ import annotations

from shared.core.errors import ConflictError, ForbiddenError


class ReviewNotAllowedError(ForbiddenError):
    code, title = "review_not_allowed", "Only travellers of a completed trip may review it"


class AlreadyReviewedError(ConflictError):
    code, title = "already_reviewed", "You have already reviewed this tour"
