"""Yandex ID speaks OAuth 2.0, not OpenID Connect: who the user is comes from its user-info endpoint."""
from __future__ import annotations

from typing import Any

from shared.oauth.claims import Claims, email, name
from shared.oauth.errors import SignInError


def claims(info: dict[str, Any]) -> Claims:
    """The user-info answer (`id`, `default_email`, `real_name`...) as the claims the linking rules read.

    Yandex lets an account show only addresses it has confirmed (its own mailbox or one confirmed by a link),
    so `default_email` counts as verified.
    """
    subject = info.get("id")
    if not isinstance(subject, str | int) or not str(subject):
        raise SignInError("provider_error", "Yandex did not say who the user is")
    address = email(info.get("default_email"))
    return Claims(subject=str(subject)[:255], email=address, email_verified=address is not None,
                  name=name(info.get("real_name") or info.get("display_name")), locale=None)
