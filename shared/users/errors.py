"""Errors of the users domain."""
from __future__ import annotations

from shared.core.errors import BadRequestError, ConflictError, ForbiddenError


class EmailTakenError(ConflictError):
    code, title = "email_taken", "Email already registered"


class LastAdminError(ConflictError):
    code, title = "last_admin", "The last active admin must stay"


class AccountDisabledError(ForbiddenError):
    code, title = "account_disabled", "Account disabled"


class InvalidTokenError(BadRequestError):
    code, title = "invalid_token", "The link is not valid"
