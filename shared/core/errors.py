"""Errors with an HTTP status and a stable code; the adapter renders them as problem+json."""
from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_TYPES = "https://tourbook.dev/problems/"  # + code: a stable name for each kind of error, not fetched


class AppError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra or {}

    def problem(self, *, instance: str, request_id: str) -> dict[str, Any]:
        """The RFC 9457 body; `instance` is the request's path, `request_id` the one in `X-Request-Id`."""
        return {
            "type": PROBLEM_TYPES + self.code, "status": self.status, "code": self.code, "title": self.title,
            "detail": self.detail, "instance": instance, "request_id": request_id, **self.extra,
        }


class BadRequestError(AppError):
    status, code, title = 400, "bad_request", "Bad request"


class UnauthorizedError(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class InvalidCredentialsError(UnauthorizedError):
    code, title = "invalid_credentials", "Invalid email or password"


class TokenExpiredError(UnauthorizedError):
    code, title = "token_expired", "Token expired"


class ForbiddenError(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFoundError(AppError):
    status, code, title = 404, "not_found", "Not found"


class MethodNotAllowedError(AppError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"

    def __init__(self, allowed: list[str], detail: str | None = None) -> None:
        super().__init__(detail, headers={"Allow": ", ".join(allowed)})


class ConflictError(AppError):
    status, code, title = 409, "conflict", "Conflict"


class InvalidStateError(ConflictError):
    code, title = "invalid_state", "Not allowed in the current state"


class PayloadTooLargeError(AppError):
    status, code, title = 413, "payload_too_large", "Request body too large"


class UnsupportedMediaTypeError(AppError):
    status, code, title = 415, "unsupported_media_type", "Request body must be JSON"


class ValidationError(AppError):
    status, code, title = 422, "validation_error", "Invalid request"

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None) -> None:
        super().__init__(detail or "One or more fields are invalid", extra={"errors": errors})


class InvalidUploadError(AppError):
    status, code, title = 422, "invalid_upload", "The upload is not usable"


class RateLimitedError(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class UnavailableError(AppError):
    status, code, title = 503, "unavailable", "Service temporarily unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
