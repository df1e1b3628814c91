"""Sign-in through other providers: the authorization code flow with PKCE, accounts found or made by the
linking rules, login codes traded for tokens, identities listed and unlinked.

The flow: `start_sign_in` stores the flow under the SHA-256 of a random `state`, with a `nonce`, the PKCE
verifier and the hash of a random browser secret (the caller sets it as an HttpOnly cookie), and sends the
browser to the provider. `finish_sign_in` spends the flow once (the same browser, within 10 minutes), trades
the code at the provider's token endpoint, verifies the ID token, finds or makes the account and returns the
web app's URL with a one-minute `login_code`; `exchange_login_code` spends that for tokens. Tokens never
travel in a URL.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from shared.core.errors import NotFoundError, UnavailableError, ValidationError
from shared.core.orm import utcnow
from shared.oauth.config import oauth_settings
from shared.users.config import account_settings
from shared.core.uow import UnitOfWork
from shared.oauth import providers
from shared.oauth.claims import Claims, from_id_token
from shared.oauth.errors import LastLoginMethodError, SignInError, SignInStateError
from shared.oauth.models import Identity, LoginCode, OAuthFlow
from shared.users import schemas as user_schemas, services as user_services
from shared.users.errors import InvalidTokenError
from shared.users.models import User

logger = logging.getLogger("tourbook.oauth")

FLOW_TTL = dt.timedelta(minutes=10)
LOGIN_CODE_TTL = dt.timedelta(seconds=60)
CALLBACK_PATH = "/v1/auth/oauth/{provider}/callback"


@dataclass(frozen=True)
class Started:
    location: str  # the provider's authorization URL
    browser_secret: str  # the cookie's value: the callback must come from the browser that holds it


def list_providers() -> list[providers.Provider]:
    """The configured providers (none when nothing is configured)."""
    return list(providers.configured().values())


def callback_url(provider: str) -> str:
    return account_settings().public_web_url.rstrip("/") + CALLBACK_PATH.format(provider=provider)


async def start_sign_in(uow: UnitOfWork, *, provider_name: str, redirect_uri: str,
                        browser_secret: str | None) -> Started:
    """Remember a new flow and build the provider's authorization URL (state, nonce, PKCE S256)."""
    provider = _provider(provider_name)
    if not _allowed(redirect_uri):
        raise ValidationError([{"loc": ["query", "redirect_uri"], "type": "redirect_uri_not_allowed",
                                "msg": "redirect_uri must start with an entry of OAUTH_REDIRECT_ALLOWLIST"}])
    try:
        found = await providers.endpoints(provider)
    except SignInError:
        raise UnavailableError("The provider could not be reached; try again shortly") from None
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    if not browser_secret or len(browser_secret) > 100:
        browser_secret = secrets.token_urlsafe(32)
    uow.session.add(OAuthFlow(
        state_hash=_sha256(state), browser_hash=_sha256(browser_secret), provider=provider.name,
        redirect_uri=redirect_uri, nonce=nonce, code_verifier=verifier, expires_at=utcnow() + FLOW_TTL,
    ))
    await uow.commit()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": provider.client_id, "redirect_uri": callback_url(provider.name),
             "scope": provider.scope, "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    if provider.issuer is not None:
        query["nonce"] = nonce
    separator = "&" if "?" in found.authorize else "?"
    return Started(location=found.authorize + separator + urllib.parse.urlencode(query),
                   browser_secret=browser_secret)


async def finish_sign_in(uow: UnitOfWork, *, provider_name: str, code: str | None, state: str | None,
                         error: str | None, browser_secret: str | None) -> str:
    """Spend the flow, sign the user in at the provider's word; the web app's URL with `login_code` or `error`."""
    flow = await _spend_flow(uow, provider_name=provider_name, state=state, browser_secret=browser_secret)
    redirect_uri, nonce, code_verifier = flow.redirect_uri, flow.nonce, flow.code_verifier
    try:
        if error is not None or not code:
            raise SignInError("access_denied" if error == "access_denied" else "provider_error",
                              "The provider did not authorize the sign-in")
        provider = _provider(provider_name)
        claims = await _who(provider, code=code, code_verifier=code_verifier, nonce=nonce)
        user = await _account_for(uow, provider=provider.name, claims=claims)
    except SignInError as failure:
        logger.info("sign-in refused", extra={"provider": provider_name, "code": failure.code})
        return _back(redirect_uri, error=failure.code)
    login_code = secrets.token_urlsafe(32)
    uow.session.add(LoginCode(code_hash=_sha256(login_code), user_id=user.id, expires_at=utcnow() + LOGIN_CODE_TTL))
    await uow.commit()
    return _back(redirect_uri, login_code=login_code)


async def exchange_login_code(uow: UnitOfWork, *, login_code: str, ip: str,
                              user_agent: str) -> user_schemas.TokensOut:
    """Trade a login code for tokens, once, within a minute of the sign-in."""
    now = utcnow()
    user_id = await uow.session.scalar(
        update(LoginCode).where(LoginCode.code_hash == _sha256(login_code), LoginCode.used_at.is_(None),
                                LoginCode.expires_at > now)
        .values(used_at=now).returning(LoginCode.user_id)
    )
    user = await uow.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        await uow.rollback()
        raise InvalidTokenError("The login code is not valid (unknown, used or expired)")
    return await user_services.open_session(uow, user, ip=ip, user_agent=user_agent)


async def list_identities(uow: UnitOfWork, *, user: User) -> list[Identity]:
    """The caller's linked identities, oldest first."""
    return list(await uow.session.scalars(
        select(Identity).where(Identity.user_id == user.id).order_by(Identity.linked_at, Identity.id)
    ))


async def unlink_identity(uow: UnitOfWork, *, user: User, provider: str) -> None:
    """Unlink the caller's identity at `provider`, unless it is their only way to sign in."""
    # The row lock serialises two unlinks at once (each would otherwise see the other identity still there).
    await uow.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    identities = list(await uow.session.scalars(select(Identity).where(Identity.user_id == user.id)))
    target = next((identity for identity in identities if identity.provider == provider), None)
    if target is None:
        raise NotFoundError("No identity of this provider is linked")
    if len(identities) == 1 and not user.has_password:
        raise LastLoginMethodError("This is the only way to sign in to the account: set a password first "
                                   "(password reset) or link another provider")
    await uow.session.delete(target)
    await uow.commit()


def _provider(name: str) -> providers.Provider:
    provider = providers.configured().get(name)
    if provider is None:
        raise NotFoundError("No such sign-in provider")
    return provider


def _allowed(redirect_uri: str) -> bool:
    """`redirect_uri` starts with an allowlist entry, at a boundary: `https://app.example` does not allow
    `https://app.example.evil.test`."""
    if any(char in redirect_uri for char in "\\\r\n\t #") or urllib.parse.urlsplit(redirect_uri).scheme not in (
            "https", "http"):
        return False
    for entry in (part.strip() for part in oauth_settings().oauth_redirect_allowlist.split(",")):
        if entry and redirect_uri.startswith(entry):
            rest = redirect_uri[len(entry):]
            if entry.endswith(("/", "?")) or rest == "" or rest[0] in "/?":
                return True
    return False


async def _spend_flow(uow: UnitOfWork, *, provider_name: str, state: str | None,
                      browser_secret: str | None) -> OAuthFlow:
    """The flow `state` names, marked used now (even if the sign-in then fails: a state works once)."""
    if not state:
        raise SignInStateError("The sign-in has no state; start again")
    now = utcnow()
    flow = await uow.session.scalar(
        update(OAuthFlow).where(OAuthFlow.state_hash == _sha256(state), OAuthFlow.used_at.is_(None))
        .values(used_at=now).returning(OAuthFlow)
    )
    if flow is None or flow.expires_at <= now or flow.provider != provider_name:
        await uow.rollback()
        raise SignInStateError("The sign-in is unknown, used or expired; start again")
    if not browser_secret or not secrets.compare_digest(flow.browser_hash, _sha256(browser_secret)):
        await uow.rollback()
        raise SignInStateError("The sign-in was started in another browser; start again")
    await uow.commit()
    assert isinstance(flow, OAuthFlow)
    return flow


async def _who(provider: providers.Provider, *, code: str, code_verifier: str, nonce: str) -> Claims:
    found = await providers.endpoints(provider)
    answer = await providers.redeem_code(provider, found, code=code, code_verifier=code_verifier,
                                         redirect_uri=callback_url(provider.name))
    if provider.issuer is None:  # Yandex: OAuth 2.0, who the user is comes from its user-info endpoint
        from shared.oauth import yandex

        return yandex.claims(await providers.user_info(found, str(answer["access_token"]), scheme="OAuth"))
    id_token = answer.get("id_token")
    if not isinstance(id_token, str) or found.jwks_uri is None:
        raise SignInError("invalid_id_token", "The provider sent no ID token")
    from shared.oauth import id_tokens  # joserfc: only the callback function's package carries it

    claims = await id_tokens.verify(id_token, issuer=provider.issuer, client_id=provider.client_id,
                                    jwks_uri=found.jwks_uri, nonce=nonce)
    return from_id_token(claims)


async def _account_for(uow: UnitOfWork, *, provider: str, claims: Claims) -> User:
    """The account this identity signs in to: its linked one; else one whose e-mail both sides have verified;
    else a new one (with no password) when nobody has the e-mail; else the user must sign in and link."""
    linked = await uow.session.scalar(
        select(User).join(Identity, Identity.user_id == User.id)
        .where(Identity.provider == provider, Identity.subject == claims.subject)
    )
    if linked is not None:
        if not linked.is_active:
            raise SignInError("account_disabled", "This account has been deactivated")
        return linked
    if claims.email is None:
        raise SignInError("email_required", "The provider did not share an e-mail address")
    user = await uow.session.scalar(select(User).where(func.lower(User.email) == claims.email).with_for_update())
    if user is None:
        user = User(id=uuid.uuid4(), email=claims.email, full_name=claims.name, role="user",
                    email_verified=claims.email_verified, password_hash=None,
                    locale=claims.locale if claims.locale in ("en", "ru") else "en")
        uow.session.add(user)
        await uow.session.flush()  # the account's row before the identity's that points at it
    elif not (claims.email_verified and user.email_verified):
        # Linking on an address either side has not verified would hand the account to whoever typed it.
        raise SignInError("link_required", "An account has this e-mail: sign in to it and link the provider")
    elif not user.is_active:
        raise SignInError("account_disabled", "This account has been deactivated")
    uow.session.add(Identity(user_id=user.id, provider=provider, subject=claims.subject, email=claims.email))
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        logger.info("identity not linked: %s", getattr(exc.orig, "constraint_name", None) or "integrity error")
        await uow.rollback()  # the same identity signing in twice at once, or another identity of this provider
        raise SignInError("identity_conflict", "Another account of this provider is linked already") from None
    return user


def _back(redirect_uri: str, **params: str) -> str:
    separator = "&" if "?" in redirect_uri else "?"
    return redirect_uri + separator + urllib.parse.urlencode(params)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
