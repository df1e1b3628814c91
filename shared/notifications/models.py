"""What the notifier has already delivered."""

import datetime as dt
import uuid

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, utcnow


class Delivery(Base):
    """An event delivered on one channel (`webhook`, `email`): redelivered queue messages are not sent twice."""

    __tablename__ = "delivery"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True, default="webhook", server_default="webhook")
    delivered_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")
