"""Signed-in callers for tests that call handlers: a fresh account and its access token."""
from __future__ import annotations

from functions.auth import log_in
from shared.core.uow import UnitOfWork
from tests.support.builders import DEFAULT_PASSWORD, unique_email
from tests.support.invoke import invoke, run_in_environment


async def _create(email: str, role: str) -> None:
    from shared.users import services

    async with UnitOfWork() as uow:
        await services.ensure_user(uow, email=email, password=DEFAULT_PASSWORD, role=role, full_name=role.title())


def create_account(email: str, role: str = "user") -> None:
    """An active account with DEFAULT_PASSWORD (for tests that then sign in over HTTP)."""
    run_in_environment(_create(email, role))


def token_for(role: str = "user") -> str:
    email = unique_email(role)
    create_account(email, role)
    reply = invoke(log_in.handler, "POST", "/v1/auth/login", json_body={"email": email, "password": DEFAULT_PASSWORD})
    assert reply.status == 200, reply.body
    return str(reply.json()["access_token"])
