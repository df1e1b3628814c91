"""Which channels a user wants notifications on: e-mail, Telegram, the webhook (all on until they say otherwise).

The notification fan-out asks (`choices`, for a batch's users at once) before it sends an event to its user.
"""

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Literal

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base
from shared.core.uow import UnitOfWork

Channel = Literal["email", "telegram", "webhook"]
CHANNELS: tuple[Channel, ...] = ("email", "telegram", "webhook")


class NotificationSetting(Base):
    """A user's choices; no row means every channel is on."""

    __tablename__ = "notification_setting"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True, server_default="true")
    telegram: Mapped[bool] = mapped_column(default=True, server_default="true")
    webhook: Mapped[bool] = mapped_column(default=True, server_default="true")
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


async def channel_enabled(uow: UnitOfWork, *, user_id: uuid.UUID | None, channel: Channel) -> bool:
    """Whether `channel` may notify this user (an event with no user: yes)."""
    return user_id is None or (await choices(uow, [user_id]))[user_id][channel]


async def choices(uow: UnitOfWork, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[Channel, bool]]:
    """Each of these users' channels, on or off, in one query (a batch of notifications asks once)."""
    if not user_ids:
        return {}
    rows = await uow.session.scalars(select(NotificationSetting).where(NotificationSetting.user_id.in_(user_ids)))
    found = {row.user_id: row for row in rows}
    return {user_id: {channel: user_id not in found or bool(getattr(found[user_id], channel)) for channel in CHANNELS}
            for user_id in user_ids}


async def read(uow: UnitOfWork, *, user_id: uuid.UUID) -> dict[Channel, bool]:
    row = await uow.session.get(NotificationSetting, user_id)
    return {channel: row is None or bool(getattr(row, channel)) for channel in CHANNELS}


async def change(uow: UnitOfWork, *, user_id: uuid.UUID, changes: dict[str, bool]) -> dict[Channel, bool]:
    """Set the channels named in `changes`, keep the others (one upsert: two changes at once both land)."""
    changes = {channel: bool(changes[channel]) for channel in CHANNELS if channel in changes}
    if changes:
        await uow.session.execute(
            insert(NotificationSetting).values(user_id=user_id, **changes)
            .on_conflict_do_update(index_elements=[NotificationSetting.user_id],
                                   set_={**changes, "updated_at": func.now()})
        )
        await uow.commit()
    return await read(uow, user_id=user_id)
