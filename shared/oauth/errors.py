"""Errors of sign-in through other providers."""
from __future__ import annotations

from shared.core.errors import BadRequestError, ConflictError


class SignInStateError(BadRequestError):
    code, title = "invalid_sign_in", "The sign-in is not valid"


class LastLoginMethodError(ConflictError):
    code, title = "last_login_method", "The only way left to sign in"


class SignInError(Exception):
    """Why a provider's sign-in did not end in a session: sent back to the web app as `?error=<code>`."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
