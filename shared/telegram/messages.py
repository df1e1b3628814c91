"""The short texts the bot sends for outbox events, in the user's locale (the same events as the e-mails, less
the account e-mails, which carry links that belong in a mailbox)."""
from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "booking.created": "Your booking for “{tour}” ({seats} seats, {date}) is waiting for payment.",
        "booking.confirmed": "Your booking for “{tour}” on {date} is confirmed. Your ticket is in the app.",
        "booking.cancelled": "Your booking for “{tour}” on {date} was cancelled.",
        "booking.expired": "Your booking for “{tour}” on {date} expired unpaid; its seats were released.",
        "booking.completed": "Thank you for travelling on “{tour}”! You can review it now.",
        "waitlist.offered": "Seats came free on “{tour}” ({date}): a booking is held for you. Pay it soon.",
        "ticket.updated": "Your support ticket “{subject}” is now {status}.",
        "linked": "Done: Tourbook will send your notifications here.",
        "link_expired": "This link has expired or was used. Make a new one on your Tourbook account page.",
    },
    "ru": {
        "booking.created": "Бронирование «{tour}» ({seats} мест, {date}) ждёт оплаты.",
        "booking.confirmed": "Бронирование «{tour}» на {date} подтверждено. Билет — в приложении.",
        "booking.cancelled": "Бронирование «{tour}» на {date} отменено.",
        "booking.expired": "Бронирование «{tour}» на {date} не оплачено вовремя; места освобождены.",
        "booking.completed": "Спасибо за поездку «{tour}»! Теперь можно оставить отзыв.",
        "waitlist.offered": "В туре «{tour}» ({date}) освободились места: для вас создано бронирование. Оплатите его.",
        "ticket.updated": "Статус обращения «{subject}»: {status}.",
        "linked": "Готово: уведомления Tourbook будут приходить сюда.",
        "link_expired": "Ссылка устарела или уже использована. Создайте новую на странице аккаунта Tourbook.",
    },
}


def sends(event_type: str) -> bool:
    return event_type in TEXTS["en"] and "." in event_type


def text(key: str, locale: str, **values: Any) -> str:
    template = TEXTS.get(locale, TEXTS["en"]).get(key) or TEXTS["en"][key]
    return template.format_map({name: str(value) for name, value in values.items()})


def event_text(event_type: str, locale: str, payload: dict[str, Any], *, tour: str) -> str:
    return text(event_type, locale, tour=tour, seats=payload.get("seats", ""), date=payload.get("starts_on", ""),
                subject=payload.get("subject", ""), status=str(payload.get("status", "")).replace("_", " "))
