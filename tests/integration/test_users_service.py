"""Accounts and sessions against the real database, each test rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shared.core import errors, tokens
from shared.core.uow import UnitOfWork
from shared.users import access, closing, schemas, services
from shared.users.errors import AccountDisabledError, EmailTakenError, LastAdminError
from shared.users.logins import LoginEvent
from shared.users.models import TokenFamily, User
from tests.support.builders import DEFAULT_PASSWORD, make_user, unique_email


async def _log_in(uow: UnitOfWork, user: User, password: str = DEFAULT_PASSWORD, ip: str = "10.0.0.1"
                  ) -> schemas.TokensOut:
    return await services.log_in(uow, email=user.email, password=password, ip=ip, user_agent="pytest")


async def test_registering_stores_a_lowercased_email_and_a_bcrypt_hash(uow: UnitOfWork) -> None:
    email = unique_email("Mixed").replace("mixed", "MiXeD")
    user = await services.register_user(
        uow, data=schemas.RegisterIn(email=email, password="long enough", full_name="Ann"), ip="10.1.1.1"
    )
    assert user.email == email.lower() and user.role == "user" and user.is_active
    assert user.password_hash is not None and user.password_hash.startswith("$2b$")
    assert "long enough" not in user.password_hash


async def test_an_email_is_unique_whatever_its_case(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    with pytest.raises(EmailTakenError):
        await services.register_user(
            uow, data=schemas.RegisterIn(email=user.email.upper(), password="long enough"), ip="10.1.1.2"
        )


async def test_registrations_are_limited_per_address(uow: UnitOfWork) -> None:
    for _ in range(20):
        await services.register_user(uow, data=schemas.RegisterIn(email=unique_email(), password="long enough"),
                                     ip="10.9.9.9")
    with pytest.raises(errors.RateLimitedError) as refused:
        await services.register_user(uow, data=schemas.RegisterIn(email=unique_email(), password="long enough"),
                                     ip="10.9.9.9")
    assert int(refused.value.headers["Retry-After"]) > 0


async def test_login_issues_tokens_of_a_new_family_and_records_the_attempt(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    issued = await _log_in(uow, user)
    claims = tokens.read_access_token(issued.access_token)
    assert claims.user_id == user.id and issued.token_type == "bearer" and issued.expires_in == 900
    assert await uow.session.get(TokenFamily, claims.family_id) is not None
    events = list(await uow.session.scalars(select(LoginEvent).where(LoginEvent.user_id == user.id)))
    assert [(event.success, event.ip) for event in events] == [(True, "10.0.0.1")]


async def test_unknown_email_and_wrong_password_get_the_same_answer(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    with pytest.raises(errors.InvalidCredentialsError) as wrong_password:
        await _log_in(uow, user, password="not the password")
    with pytest.raises(errors.InvalidCredentialsError) as unknown_email:
        await services.log_in(uow, email=unique_email(), password="whatever", ip="10.0.0.1", user_agent="pytest")
    same_request = {"instance": "/v1/auth/login", "request_id": "r"}
    assert wrong_password.value.problem(**same_request) == unknown_email.value.problem(**same_request)
    failures = await uow.session.scalar(
        select(func.count()).where(LoginEvent.user_id == user.id, LoginEvent.success.is_(False))
    )
    assert failures == 1


async def test_five_failures_lock_the_email_and_address_pair(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    for _ in range(5):
        with pytest.raises(errors.InvalidCredentialsError):
            await _log_in(uow, user, password="wrong password", ip="10.0.0.7")
    with pytest.raises(errors.RateLimitedError):
        await _log_in(uow, user, ip="10.0.0.7")  # even the right password waits
    assert (await _log_in(uow, user, ip="10.0.0.8")).access_token  # another address is not locked


async def test_a_deactivated_account_gets_account_disabled_only_with_the_right_password(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    user.is_active = False
    await uow.commit()
    with pytest.raises(AccountDisabledError):
        await _log_in(uow, user)
    with pytest.raises(errors.InvalidCredentialsError):
        await _log_in(uow, user, password="wrong password")


async def test_refresh_rotates_and_the_old_refresh_token_dies(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    first = await _log_in(uow, user)
    second = await services.refresh_tokens(uow, refresh_token=first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert tokens.read_access_token(second.access_token).family_id == tokens.read_access_token(
        first.access_token).family_id
    third = await services.refresh_tokens(uow, refresh_token=second.refresh_token)
    assert third.access_token


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    first = await _log_in(uow, user)
    second = await services.refresh_tokens(uow, refresh_token=first.refresh_token)
    with pytest.raises(errors.UnauthorizedError):
        await services.refresh_tokens(uow, refresh_token=first.refresh_token)
    with pytest.raises(errors.UnauthorizedError):
        await services.refresh_tokens(uow, refresh_token=second.refresh_token)
    with pytest.raises(errors.UnauthorizedError):
        await access.load_caller(uow, tokens.read_access_token(second.access_token))
    family = await uow.session.get(TokenFamily, tokens.read_access_token(first.access_token).family_id)
    assert family is not None and family.revoked_reason == "reuse"


async def test_an_unknown_refresh_token_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(errors.UnauthorizedError):
        await services.refresh_tokens(uow, refresh_token=tokens.new_refresh_token())


async def test_logout_ends_the_family_and_leaves_other_sessions_alone(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    phone, laptop = await _log_in(uow, user), await _log_in(uow, user)
    phone_claims = tokens.read_access_token(phone.access_token)
    await services.log_out(uow, user=user, family_id=phone_claims.family_id, refresh_token=None)
    with pytest.raises(errors.UnauthorizedError):
        await access.load_caller(uow, phone_claims)
    with pytest.raises(errors.UnauthorizedError):
        await services.refresh_tokens(uow, refresh_token=phone.refresh_token)
    assert await access.load_caller(uow, tokens.read_access_token(laptop.access_token)) == user


async def test_logout_cannot_end_another_users_family(uow: UnitOfWork) -> None:
    alice, bob = await make_user(uow), await make_user(uow)
    alice_tokens, bob_tokens = await _log_in(uow, alice), await _log_in(uow, bob)
    await services.log_out(uow, user=alice, family_id=tokens.read_access_token(alice_tokens.access_token).family_id,
                           refresh_token=bob_tokens.refresh_token)
    assert await access.load_caller(uow, tokens.read_access_token(bob_tokens.access_token)) == bob


async def test_a_password_change_needs_the_current_password_and_ends_every_session(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    session = await _log_in(uow, user)
    with pytest.raises(errors.ValidationError):
        await services.update_me(uow, user=user, data=schemas.UserUpdate(password="new password!",
                                                                         current_password="wrong"))
    await services.update_me(uow, user=user, data=schemas.UserUpdate(password="new password!",
                                                                     current_password=DEFAULT_PASSWORD))
    with pytest.raises(errors.UnauthorizedError):
        await access.load_caller(uow, tokens.read_access_token(session.access_token))
    with pytest.raises(errors.InvalidCredentialsError):
        await _log_in(uow, user)
    assert (await _log_in(uow, user, password="new password!")).access_token


async def test_deleting_an_account_removes_personal_data_and_sessions(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    email = user.email
    session = await _log_in(uow, user)
    await closing.delete_me(uow, user=user)
    await uow.session.refresh(user)
    assert user.email == f"deleted-{user.id}@deleted.invalid" and user.full_name == "Deleted user"
    assert user.password_hash is None and not user.is_active
    assert await uow.session.scalar(select(func.count()).where(LoginEvent.user_id == user.id)) == 0
    with pytest.raises(errors.UnauthorizedError):
        await access.load_caller(uow, tokens.read_access_token(session.access_token))
    with pytest.raises(errors.InvalidCredentialsError):
        await services.log_in(uow, email=email, password=DEFAULT_PASSWORD, ip="10.0.0.1", user_agent="pytest")


async def test_deleting_an_account_unlinks_its_sign_in_providers_and_telegram_chat(uow: UnitOfWork) -> None:
    from shared.oauth.models import Identity
    from shared.telegram.models import TelegramLink

    user, other = await make_user(uow), await make_user(uow)
    for owner, chat in ((user, 7001), (other, 7002)):
        uow.session.add_all([Identity(user_id=owner.id, provider="google", subject=f"sub-{owner.id}"),
                             TelegramLink(user_id=owner.id, chat_id=chat + owner.id.int % 10**9)])
    await uow.session.flush()
    await closing.delete_me(uow, user=user)
    for model in (Identity, TelegramLink):
        owners = set(await uow.session.scalars(select(model.user_id).where(model.user_id.in_([user.id, other.id]))))
        assert owners == {other.id}, model.__name__


async def test_the_last_active_admin_cannot_delete_their_account(uow: UnitOfWork) -> None:
    admins = list(await uow.session.scalars(select(User).where(User.role == "admin", User.is_active)))
    for other in admins:
        other.is_active = False
    admin = await make_user(uow, role="admin")
    with pytest.raises(LastAdminError):
        await closing.delete_me(uow, user=admin)
    second = await make_user(uow, role="admin")
    await closing.delete_me(uow, user=second)
    assert not second.is_active


async def test_login_history_pages_newest_first(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        await _log_in(uow, user, ip=ip)
    first = await services.list_logins(uow, user=user, limit=2, cursor=None)
    assert [item.ip for item in first.items] == ["10.0.0.3", "10.0.0.2"] and first.next_cursor
    second = await services.list_logins(uow, user=user, limit=2, cursor=first.next_cursor)
    assert [item.ip for item in second.items] == ["10.0.0.1"] and second.next_cursor is None


async def test_a_garbage_cursor_is_a_bad_request(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    for cursor in ("%%%", "bm90LWpzb24", "WyJ4IiwieSJd"):
        with pytest.raises(errors.BadRequestError):
            await services.list_logins(uow, user=user, limit=2, cursor=cursor)
