"""Reviews of tours by people who travelled on them."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.orm import Base, created_at, uuid_pk


class Review(Base):
    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("user_id", "tour_id"),  # one review per user and tour, whatever the concurrency
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        Index("ix_review_tour_created", "tour_id", text("created_at DESC"), text("id DESC")),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tour_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at()
