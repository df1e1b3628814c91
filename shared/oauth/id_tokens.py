"""ID tokens, verified with joserfc: the signature by a key of the provider's JWKS, then `iss`, `aud`, `exp`, `iat`,
`sub` and `nonce`. The JWKS is cached per execution environment and fetched again when a token names a key it
does not hold (the provider rotated its keys). joserfc needs `cryptography`, so only the callback function,
whose package carries both (functions/oauth/requirements.txt), imports this module, and only when it runs.
"""
from __future__ import annotations

from typing import Any

from shared.oauth import providers
from shared.oauth.errors import SignInError

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]  # asymmetric only: never "none" or HS*
JWKS_MAX_AGE_SECONDS = 24 * 3600.0
LEEWAY_SECONDS = 60


async def verify(id_token: str, *, issuer: str, client_id: str, jwks_uri: str, nonce: str) -> dict[str, Any]:
    """The token's claims when every check passes; SignInError("invalid_id_token") otherwise."""
    from joserfc import jws, jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        header = jws.extract_compact(id_token.encode()).protected
    except (JoseError, ValueError, UnicodeError):
        raise SignInError("invalid_id_token", "The ID token is not a JWS") from None
    kid = header.get("kid")
    document = await providers.get_json(jwks_uri, max_age=JWKS_MAX_AGE_SECONDS)
    if kid is not None and kid not in _kids(document):  # a key we have not seen: the provider rotated
        document = await providers.get_json(jwks_uri, max_age=JWKS_MAX_AGE_SECONDS, refresh=True)
    try:
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        claims: dict[str, Any] = dict(token.claims)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS, iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id}, exp={"essential": True}, iat={"essential": True},
            sub={"essential": True}, nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise SignInError("invalid_id_token", f"The ID token was refused ({exc.__class__.__name__})") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:  # OpenID Connect Core 3.1.3.7, items 4 and 5
        raise SignInError("invalid_id_token", "The ID token was issued to another party")
    return claims


def _kids(document: dict[str, Any]) -> set[str]:
    keys = document.get("keys")
    return {str(key.get("kid")) for key in keys if isinstance(key, dict)} if isinstance(keys, list) else set()
