"""Every e-mail the platform sends, rendered in both languages: subject, text and HTML say what the traveller needs."""
from __future__ import annotations

import email
import email.policy
import uuid
from typing import Any

import pytest

from shared.mail.compose import Inline, Mail, render, templates, to_mime

BOOKING: dict[str, Any] = {
    "id": str(uuid.uuid4()), "tour_id": str(uuid.uuid4()), "starts_on": "2027-03-01", "seats": 2,
    "total_cents": 123450, "currency": "EUR", "status": "pending", "expires_at": "2026-12-06T05:55:00Z",
}
CONTEXTS: dict[str, dict[str, Any]] = {
    "account.verify_email": {"link": "https://tourbook.example/verify-email?token=abc", "event": {
        "expires_at": "2026-12-07T05:40:00Z"}},
    "account.reset_password": {"link": "https://tourbook.example/reset-password?token=abc", "event": {
        "expires_at": "2026-12-06T06:10:00Z"}},
    "booking.created": {"event": BOOKING},
    "booking.confirmed": {"event": BOOKING | {"status": "confirmed", "expires_at": None}, "code": "CHECKIN-CODE-1"},
    "booking.cancelled": {"event": BOOKING | {"status": "cancelled", "expires_at": None, "refunded_cents": 61725}},
    "booking.expired": {"event": BOOKING | {"status": "expired", "expires_at": None}},
    "booking.completed": {"event": BOOKING | {"status": "completed", "expires_at": None}},
    "ticket.updated": {"event": {"subject": "Lost luggage", "status": "resolved", "reply": "Found it <today>!"}},
    "waitlist.offered": {"event": {"booking_id": BOOKING["id"], "expires_at": "2026-12-06T06:00:00Z"},
                         "booking_link": "https://tourbook.example/bookings/" + BOOKING["id"]},
}
# What each message must tell, per language (in its subject, text and HTML alike).
MUST_SAY = {
    "account.verify_email": {"en": ["Confirm", "verify-email?token=abc"],
                             "ru": ["Подтвердите", "verify-email?token=abc"]},
    "account.reset_password": {"en": ["Reset", "reset-password?token=abc", "30 minutes"],
                               "ru": ["Сброс", "reset-password?token=abc", "30 минут"]},
    "booking.created": {"en": ["held", "2026-12-06 05:55 UTC", "1\u202f234.50 EUR"],
                        "ru": ["забронированы", "2026-12-06 05:55 UTC", "1\u202f234.50 EUR"]},
    "booking.confirmed": {"en": ["confirmed", "CHECKIN-CODE-1"], "ru": ["подтверждено", "CHECKIN-CODE-1"]},
    "booking.cancelled": {"en": ["cancelled", "617.25 EUR"], "ru": ["отменено", "617.25 EUR"]},
    "booking.expired": {"en": ["expired", "released"], "ru": ["истекла", "освобождены"]},
    "booking.completed": {"en": ["review"], "ru": ["отзыв"]},
    "ticket.updated": {"en": ["Lost luggage", "resolved", "Found it"], "ru": ["Lost luggage", "решено", "Found it"]},
    "waitlist.offered": {"en": ["Seats for you", "2026-12-06 06:00 UTC"],
                         "ru": ["освободились", "2026-12-06 06:00 UTC"]},
}


def _context(name: str) -> dict[str, Any]:
    return {"name": "Ann", "email": "ann@example.com", "web": "https://tourbook.example", "tour_title": "Azores <Walk>",
            "booking_link": "https://tourbook.example/bookings/" + BOOKING["id"], **CONTEXTS[name]}


def test_there_is_a_template_for_every_event_of_the_contract() -> None:
    assert templates() == sorted(CONTEXTS)


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_every_message_renders_in_both_languages(name: str, locale: str) -> None:
    subject, text, html = render(name, locale, _context(name))
    assert subject and "\n" not in subject
    assert html.startswith("<!doctype html>") and f'<html lang="{locale}">' in html
    for phrase in MUST_SAY[name][locale]:
        assert phrase in subject + text, (phrase, subject, text)
        assert phrase in subject + html.replace("&#34;", '"'), phrase
    greeting = {"en": "Hello, Ann", "ru": "Здравствуйте, Ann"}[locale]
    assert greeting in text and greeting in html
    assert "<Walk>" not in html  # the HTML escapes what people typed; the text keeps it as it is
    if name.startswith("booking."):
        assert "Azores" in subject + text
    other = {"en": "Здравствуйте", "ru": "Hello"}[locale]
    assert other not in text and other not in html


def test_the_russian_mail_is_russian_and_an_unknown_locale_is_english() -> None:
    assert render("booking.expired", "ru", _context("booking.expired"))[0].startswith("Бронь истекла")
    assert render("booking.expired", "de", _context("booking.expired"))[0].startswith("Your hold has expired")


def test_the_mime_message_has_text_html_and_the_qr_code_inline() -> None:
    subject, text, html = render("booking.confirmed", "en", _context("booking.confirmed"))
    mail = Mail(to="ann@example.com", subject=subject, text=text, html=html,
                inline=(Inline("qr", b"\x89PNG\r\n\x1a\nfake"),))
    raw = to_mime(mail, "Tourbook <no-reply@tourbook.example>").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == "ann@example.com" and parsed["Subject"] == subject
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",))
    rich = parsed.get_body(preferencelist=("html",))
    assert plain is not None and "CHECKIN-CODE-1" in plain.get_content()
    assert rich is not None and 'src="cid:qr"' in rich.get_content()
    images = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<qr>" and images[0].get_content().startswith(b"\x89PNG")
