"""A message: subject, plain text and HTML rendered from the templates of one locale, and its MIME form."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("en", "ru")


@dataclass(frozen=True)
class Inline:
    """An image the HTML shows as `cid:<cid>` (the check-in QR code)."""

    cid: str
    content: bytes
    mimetype: str = "image/png"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    inline: tuple[Inline, ...] = field(default=())


def render(name: str, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of template `name` (`booking.confirmed`) in `locale` (English if unknown)."""
    environment = _environment()
    locale = locale if locale in LOCALES else "en"
    values = {"locale": locale, **context}
    text_template = environment.get_template(f"{locale}/{name}.txt")
    module = text_template.make_module(values)
    subject = " ".join(str(getattr(module, "subject")).split())
    html = environment.get_template(f"{locale}/{name}.html").render(values | {"subject": subject})
    return subject, str(module).strip() + "\n", html


def templates() -> list[str]:
    """Every message there is a template for (the same in each locale)."""
    return sorted(path.name.removesuffix(".txt") for path in (TEMPLATES / "en").glob("*.txt")
                  if not path.name.startswith("_"))


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2  # only the function that sends mail pays for Jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False,  # compiled once per process: no stat() of three template files per message
    )
    environment.filters["money"] = _money
    environment.filters["moment"] = _moment
    return environment


def _money(cents: int, currency: str) -> str:
    return f"{cents // 100:,}.{cents % 100:02d} {currency}".replace(",", "\u202f")


def _moment(value: str | None) -> str:
    """"2026-12-06T05:40:00Z" → "2026-12-06 05:40 UTC"."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def to_mime(mail: Mail, sender: str) -> EmailMessage:
    """multipart/alternative (text, then HTML with its inline images as multipart/related)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    if mail.inline:
        html_part = message.get_body(preferencelist=("html",))
        assert html_part is not None  # added just above
        for image in mail.inline:
            maintype, subtype = image.mimetype.split("/")
            html_part.add_related(image.content, maintype=maintype, subtype=subtype, cid=f"<{image.cid}>",
                                  filename=f"{image.cid}.{subtype}")
    return message
