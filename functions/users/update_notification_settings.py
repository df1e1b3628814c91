"""Turn notification channels on or off."""
from __future__ import annotations

from shared.core import http
from shared.notifications import preferences, schemas
from shared.users import access


async def update_notification_settings(request: http.Request,
                                       body: schemas.NotificationSettingsUpdate) -> http.Response:
    """Change the channels named in the body (e-mail, Telegram, webhook); the others stay as they are."""
    chosen = await preferences.change(request.uow, user_id=access.caller(request).id,
                                      changes=body.model_dump(exclude_unset=True))
    return http.json(schemas.NotificationSettingsOut(**chosen))


handler = http.lambda_handler(update_notification_settings, auth=access.signed_in,
                              response=schemas.NotificationSettingsOut)
