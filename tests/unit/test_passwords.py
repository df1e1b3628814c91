import pytest

from shared.core import passwords


def test_a_password_matches_its_own_hash_only() -> None:
    hashed = passwords.hash_password_sync("correct horse battery")
    assert passwords.verify_password_sync("correct horse battery", hashed)
    assert not passwords.verify_password_sync("correct horse battery!", hashed)


def test_long_passwords_sharing_the_first_72_bytes_are_different_passwords() -> None:
    prefix = "x" * 72
    hashed = passwords.hash_password_sync(prefix + "-first")
    assert passwords.verify_password_sync(prefix + "-first", hashed)
    assert not passwords.verify_password_sync(prefix + "-second", hashed)


@pytest.mark.parametrize("password", ["é" * 128, "a" * 1000, "nul\x00byte-inside"])
def test_unusual_passwords_hash_and_verify(password: str) -> None:
    assert passwords.verify_password_sync(password, passwords.hash_password_sync(password))


def test_no_hash_never_verifies() -> None:
    assert not passwords.verify_password_sync("not a password anybody has", None)


def test_a_corrupt_hash_does_not_crash() -> None:
    assert not passwords.verify_password_sync("whatever", "not-a-bcrypt-hash")


def test_the_hash_hides_the_password() -> None:
    hashed = passwords.hash_password_sync("visible-password")
    assert "visible-password" not in hashed and hashed.startswith("$2b$04$")
