"""Request and response models of the Telegram link and the bot's webhook."""

from pydantic import ConfigDict, Field

from shared.core.schemas import Input, Output


class TelegramLinkOut(Output):
    url: str
    expires_in: int


class Chat(Input):
    model_config = ConfigDict(extra="ignore")  # Telegram sends more than we read, and adds fields over time

    id: int = Field(ge=-(2**52), le=2**52)


class Message(Input):
    model_config = ConfigDict(extra="ignore")

    chat: Chat
    text: str | None = Field(default=None, max_length=4096)


class TelegramUpdate(Input):
    """A Bot API Update; only `message.chat.id` and `message.text` are read."""

    model_config = ConfigDict(extra="ignore")

    update_id: int = Field(ge=0, le=2**52)
    message: Message | None = None
