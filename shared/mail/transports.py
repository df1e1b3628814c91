"""Sending a message by `MAIL_BACKEND`: `ses` (Amazon SES, sesv2), `smtp` (`SMTP_URL`), `local` (captured).

SMTP_URL forms: `smtps://user:password@host:465` (TLS from the first byte), `smtp://user:password@host:587`
(STARTTLS, required: a server that does not offer it gets nothing), `smtp://host:1025?tls=none` (plain, for
Mailpit on a private network; refused in production). Certificates are checked against the system's CAs, or
`SMTP_CA_FILE`'s.
"""
from __future__ import annotations

import ssl
import urllib.parse

from shared.core import metrics
from shared.core.settings import get_settings
from shared.mail.compose import Mail, to_mime
from shared.mail.config import MailSettings, mail_settings


class MailError(Exception):
    """The transport did not take the message (it is tried again later)."""


def send(mail: Mail) -> None:
    """Hand the message to the configured transport (blocking: call it in a thread)."""
    settings = get_settings()
    try:
        if settings.mail_backend == "local":
            from shared.mail import captured

            captured.capture(mail)
        elif settings.mail_backend == "smtp":
            _send_smtp(mail_settings(), mail, production=settings.environment == "production")
        else:
            _send_ses(mail_settings(), mail)
    except MailError:
        metrics.count_outgoing(settings.mail_backend, "error")
        raise
    except Exception as exc:  # refused, unreachable, timed out: never the message's content in the error
        metrics.count_outgoing(settings.mail_backend, "error")
        raise MailError(f"{settings.mail_backend} did not take the message ({exc.__class__.__name__})") from exc
    metrics.count_outgoing(settings.mail_backend, "ok")


def _send_ses(settings: MailSettings, mail: Mail) -> None:
    from shared.core import aws

    raw = to_mime(mail, settings.mail_from).as_bytes()
    aws.sesv2().send_email(FromEmailAddress=settings.mail_from, Destination={"ToAddresses": [mail.to]},
                           Content={"Raw": {"Data": raw}})


def _send_smtp(settings: MailSettings, mail: Mail, *, production: bool) -> None:
    import smtplib

    if settings.smtp_url is None:
        raise MailError("MAIL_BACKEND=smtp needs SMTP_URL")
    url = urllib.parse.urlsplit(settings.smtp_url.get_secret_value())
    tls = urllib.parse.parse_qs(url.query).get("tls", ["starttls"])[0]
    if url.scheme not in ("smtp", "smtps") or not url.hostname or tls not in ("starttls", "none"):
        raise MailError("SMTP_URL must be smtp://host[:port][?tls=none] or smtps://host[:port]")
    if tls == "none" and production:
        raise MailError("Plain SMTP (tls=none) is not used in production")
    context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    timeout = settings.smtp_timeout_seconds
    client: smtplib.SMTP
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(url.hostname, url.port or 587, timeout=timeout)
    with client:
        client.ehlo()
        if url.scheme == "smtp" and tls == "starttls":
            if not client.has_extn("starttls"):
                raise MailError("The SMTP server does not offer STARTTLS")
            client.starttls(context=context)
            client.ehlo()
        if url.username:
            client.login(urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or ""))
        client.send_message(to_mime(mail, settings.mail_from))
