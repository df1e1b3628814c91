import base64
import datetime as dt
import json
import uuid
from types import SimpleNamespace

import jwt
import pytest

from shared.core import tokens
from shared.core.errors import TokenExpiredError, UnauthorizedError
from shared.core.settings import get_settings, reset_settings

USER, FAMILY = uuid.uuid4(), uuid.uuid4()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def test_an_access_token_names_its_user_family_and_role() -> None:
    token = tokens.issue_access_token(user_id=USER, family_id=FAMILY, role="admin", now=_now())
    claims = tokens.read_access_token(token)
    assert (claims.user_id, claims.family_id, claims.role) == (USER, FAMILY, "admin")


def test_an_expired_token_is_refused_as_expired() -> None:
    token = tokens.issue_access_token(user_id=USER, family_id=FAMILY, role="user", now=_now() - dt.timedelta(hours=1))
    with pytest.raises(TokenExpiredError):
        tokens.read_access_token(token)


def test_a_token_read_before_is_refused_as_expired_once_its_time_is_up(monkeypatch: pytest.MonkeyPatch) -> None:
    issued = _now()
    token = tokens.issue_access_token(user_id=USER, family_id=FAMILY, role="user", now=issued)
    assert tokens.read_access_token(token).user_id == USER
    assert tokens.read_access_token(token).user_id == USER  # the same token again: the same answer
    expires = issued.timestamp() + get_settings().access_token_ttl_seconds
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: expires + 1))
    with pytest.raises(TokenExpiredError):
        tokens.read_access_token(token)


def test_a_token_read_before_is_refused_once_the_secret_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    token = tokens.issue_access_token(user_id=USER, family_id=FAMILY, role="user", now=_now())
    assert tokens.read_access_token(token).family_id == FAMILY
    monkeypatch.setenv("JWT_SECRET", "a-rotated-secret-0123456789-0123456789")
    reset_settings()
    with pytest.raises(UnauthorizedError, match="not valid"):
        tokens.read_access_token(token)


def test_a_tampered_token_is_refused() -> None:
    token = tokens.issue_access_token(user_id=USER, family_id=FAMILY, role="user", now=_now())
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(UnauthorizedError):
        tokens.read_access_token(f"{header}.{forged}.{signature}")


def test_alg_none_is_refused() -> None:
    claims = {"sub": str(USER), "fam": str(FAMILY), "typ": "access", "iat": _now(),
              "exp": _now() + dt.timedelta(minutes=5)}
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(UnauthorizedError):
        tokens.read_access_token(unsigned)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    claims = {"sub": str(USER), "fam": str(FAMILY), "typ": "access", "iat": _now(),
              "exp": _now() + dt.timedelta(minutes=5)}
    with pytest.raises(UnauthorizedError):
        tokens.read_access_token(jwt.encode(claims, "another-secret-0123456789-0123456789", algorithm="HS256"))


def test_a_token_of_another_type_is_refused() -> None:
    secret = get_settings().jwt_secret.get_secret_value()
    claims = {"sub": str(USER), "fam": str(FAMILY), "typ": "refresh", "iat": _now(),
              "exp": _now() + dt.timedelta(minutes=5)}
    with pytest.raises(UnauthorizedError):
        tokens.read_access_token(jwt.encode(claims, secret, algorithm="HS256"))


def test_a_refresh_token_is_not_an_access_token() -> None:
    with pytest.raises(UnauthorizedError):
        tokens.read_access_token(tokens.new_refresh_token())


def test_refresh_tokens_are_random_and_stored_only_as_fingerprints() -> None:
    first, second = tokens.new_refresh_token(), tokens.new_refresh_token()
    assert first != second and len(first) > 40
    assert tokens.fingerprint(first) != first and len(tokens.fingerprint(first)) == 64


@pytest.mark.parametrize("claims", [{"fam": ["x"]}, {"fam": 5}, {"sub": {}}, {"sub": None}, {"role": []}])
def test_a_correctly_signed_token_with_a_claim_of_the_wrong_type_is_refused(claims: dict[str, object]) -> None:
    secret = get_settings().jwt_secret.get_secret_value()
    valid = {"sub": str(USER), "fam": str(FAMILY), "role": "user", "typ": "access", "iat": _now(),
             "exp": _now() + dt.timedelta(minutes=5)}
    with pytest.raises(UnauthorizedError) as refused:
        tokens.read_access_token(jwt.encode(valid | claims, secret, algorithm="HS256"))
    assert refused.value.detail == "The access token is not valid"
