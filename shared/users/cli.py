"""Create or restore an admin account: `python -m shared.users.cli create-admin --email EMAIL`.

The password comes from --password, the ADMIN_PASSWORD variable, or a prompt.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from pydantic import TypeAdapter, ValidationError

from shared.users.schemas import Password, RegisterIn


async def create_admin(email: str, password: str) -> str:
    from shared.core import db
    from shared.core.uow import UnitOfWork
    from shared.users import services

    try:
        async with UnitOfWork() as uow:
            user = await services.ensure_user(uow, email=email, password=password, role="admin", full_name="Admin")
            return str(user.id)
    finally:
        await db.dispose_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.users.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin, or restore one's role and password")
    create.add_argument("--email", required=True)
    create.add_argument("--password", default=os.environ.get("ADMIN_PASSWORD"))
    args = parser.parse_args(argv)
    password = args.password or getpass.getpass("Password: ")
    try:
        RegisterIn(email=args.email, password=password)
        TypeAdapter(Password).validate_python(password)
    except ValidationError as exc:
        print(f"invalid: {exc.errors(include_input=False)[0]['msg']}", file=sys.stderr)
        return 2
    user_id = asyncio.run(create_admin(args.email, password))
    print(f"admin {args.email.lower()} ready (id {user_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
