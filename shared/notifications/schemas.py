"""Request and response models of the notification settings."""

from shared.core.schemas import Output, Patch


class NotificationSettingsOut(Output):
    email: bool
    telegram: bool
    webhook: bool


class NotificationSettingsUpdate(Patch):
    email: bool | None = None
    telegram: bool | None = None
    webhook: bool | None = None
