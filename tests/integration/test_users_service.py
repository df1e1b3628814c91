from shared.core.uow import UnitOfWork
from tests.support.builders import make_user


async def test_make_user(uow: UnitOfWork) -> None:
    user = await make_user(uow)
    assert user.role == "user"
