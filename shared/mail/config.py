"""How mail is sent: the sender, SMTP, the local capture (`core.settings.Section`; `MAIL_BACKEND` is core's)."""

from pydantic import Field, SecretStr

from shared.core.settings import Section, section


class MailSettings(Section):
    mail_from: str = "Tourbook <no-reply@tourbook.example>"
    mail_local_dir: str = ".data/mail"  # MAIL_BACKEND=local: where captured mail is kept (GET /_local/mail)
    mail_local_keep: int = Field(default=500, ge=1)  # the newest messages kept there
    smtp_url: SecretStr | None = None  # smtp://user:pass@host:587 (STARTTLS), smtps://...:465, ?tls=none for Mailpit
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    smtp_ca_file: str | None = None  # certificates of the SMTP server's CA, when not the system's


def mail_settings() -> MailSettings:
    return section(MailSettings)
