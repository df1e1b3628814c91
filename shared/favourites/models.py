"""A user's favourite tours (bookmarks)."""

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at


class Favourite(Base):
    __tablename__ = "favourite"
    __table_args__ = (Index("ix_favourite_user_created", "user_id", text("created_at DESC"), text("tour_id DESC")),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    tour_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    created_at: Mapped[dt.datetime] = created_at()
