"""Request and response models of the support ticket endpoints."""

import uuid
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import StringConstraints, model_validator

from shared.core.schemas import Input, Output, Page, PageQuery, UtcDatetime, pages

Status = Literal["open", "in_progress", "resolved", "closed"]


class TicketCreate(Input):
    subject: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    message: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    booking_id: uuid.UUID | None = None


class TicketUpdate(Input):
    """Send a `status`, a `reply` or both (422 with neither)."""

    status: Status | None = None
    reply: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.reply is None:
            raise ValueError("send a status, a reply or both")
        return self


class TicketsQuery(PageQuery):
    pass


class AdminTicketsQuery(PageQuery):
    status: Status | None = None


class TicketOut(Output):
    id: uuid.UUID
    user_id: uuid.UUID
    booking_id: uuid.UUID | None
    subject: str
    message: str
    status: Status
    reply: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class MessageCreate(Input):
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class MessageOut(Output):
    author: Literal["user", "staff"]
    text: str
    created_at: UtcDatetime


class TicketThreadOut(TicketOut):
    """A ticket with its thread: the user's first message, then every follow-up of the user and the staff."""

    messages: list[MessageOut]


if TYPE_CHECKING:
    TicketPage = Page[TicketOut]
else:
    __getattr__ = pages(__name__, TicketPage="TicketOut")
