"""What the notifier has already delivered."""

import datetime as dt
import uuid

from sqlalchemy import func
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, utcnow


class Delivery(Base):
    """A notification delivered to the webhook: redelivered queue messages are not sent twice."""

    __tablename__ = "delivery"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    delivered_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")
