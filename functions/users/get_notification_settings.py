"""The caller's notification settings."""
from __future__ import annotations

from shared.core import http
from shared.notifications import preferences, schemas
from shared.users import access


async def get_notification_settings(request: http.Request) -> http.Response:
    """Which channels notify the caller (every one until turned off)."""
    chosen = await preferences.read(request.uow, user_id=access.caller(request).id)
    return http.json(schemas.NotificationSettingsOut(**chosen))


handler = http.lambda_handler(get_notification_settings, auth=access.signed_in,
                              response=schemas.NotificationSettingsOut)
