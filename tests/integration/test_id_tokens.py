"""ID tokens from a real OpenID Connect provider (oidc-provider-mock), verified against its real JWKS."""
from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import joserfc.jwk
import pytest
from joserfc import jwt

from shared.oauth import id_tokens, providers
from shared.oauth.errors import SignInError
from tests.support import oidc

CLIENT_ID = "tourbook-web"


@pytest.fixture(scope="module")
def provider() -> Iterator[oidc.Provider]:
    with oidc.provider() as running:
        running.set_user("ann", email="ann@example.com", email_verified=True)
        yield running


async def verify(provider: oidc.Provider, token: str, *, nonce: str = "n-1") -> dict[str, object]:
    return await id_tokens.verify(token, issuer=provider.issuer, client_id=CLIENT_ID,
                                  jwks_uri=f"{provider.issuer}/jwks", nonce=nonce)


async def refused(provider: oidc.Provider, token: str, *, nonce: str = "n-1") -> str:
    with pytest.raises(SignInError) as caught:
        await verify(provider, token, nonce=nonce)
    return caught.value.code


async def test_a_token_for_us_is_accepted(provider: oidc.Provider) -> None:
    claims = await verify(provider, provider.id_token(client_id=CLIENT_ID, subject="ann", nonce="n-1"))
    assert claims["sub"] == "ann" and claims["email_verified"] is True


async def test_a_token_issued_to_another_client_is_refused(provider: oidc.Provider) -> None:
    token = provider.id_token(client_id="someone-elses-app", subject="ann", nonce="n-1")
    assert await refused(provider, token) == "invalid_id_token"


async def test_a_token_with_another_nonce_is_refused(provider: oidc.Provider) -> None:
    token = provider.id_token(client_id=CLIENT_ID, subject="ann", nonce="n-1")
    assert await refused(provider, token, nonce="n-2") == "invalid_id_token"


async def test_an_expired_token_is_refused() -> None:
    # A provider whose tokens expired an hour before they were issued: past any clock-skew leeway.
    with oidc.provider(token_max_age=dt.timedelta(hours=-1)) as stale:
        token = stale.id_token(client_id=CLIENT_ID, subject="ann", nonce="n-1")
        assert await refused(stale, token) == "invalid_id_token"


async def test_a_token_from_another_issuer_is_refused(provider: oidc.Provider) -> None:
    with oidc.provider(kid="other-key") as other:
        token = other.id_token(client_id=CLIENT_ID, subject="ann", nonce="n-1")
        assert await refused(provider, token) == "invalid_id_token"  # its key is not in our provider's JWKS


async def test_an_unknown_kid_refetches_the_jwks_once_then_refuses_a_forged_key(provider: oidc.Provider) -> None:
    await verify(provider, provider.id_token(client_id=CLIENT_ID, subject="ann", nonce="n-1"))  # cached now
    forged_key = joserfc.jwk.RSAKey.generate_key(private=True, parameters={"kid": f"forged-{uuid.uuid4().hex[:6]}"})
    now = int(time.time())
    forged = jwt.encode({"alg": "RS256", "kid": forged_key.kid}, {
        "iss": provider.issuer, "aud": CLIENT_ID, "sub": "ann", "iat": now, "exp": now + 600, "nonce": "n-1",
        "email": "ann@example.com", "email_verified": True}, forged_key)
    fetched: list[bool] = []
    real_get_json = providers.get_json

    async def counting(url: str, *, max_age: float, refresh: bool = False) -> dict[str, object]:
        fetched.append(refresh)
        return await real_get_json(url, max_age=max_age, refresh=refresh)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(providers, "get_json", counting)
        assert await refused(provider, forged) == "invalid_id_token"
    assert fetched == [False, True]  # the cache, then one fetch for the unknown kid

    provider.rotate_key(f"rotated-{uuid.uuid4().hex[:6]}")  # now the provider really has a new key
    rotated = provider.id_token(client_id=CLIENT_ID, subject="ann", nonce="n-1")
    assert (await verify(provider, rotated))["sub"] == "ann"


async def test_an_unsigned_token_is_refused(provider: oidc.Provider) -> None:
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "ann", "iat": now, "exp": now + 600, "nonce": "n-1"}
    unsigned = jwt.encode({"alg": "HS256"}, claims, joserfc.jwk.OctKey.import_key("a-secret-anyone-could-guess-0123"))
    assert await refused(provider, unsigned) == "invalid_id_token"
    assert await refused(provider, "not.a.token") == "invalid_id_token"
