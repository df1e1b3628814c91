"""E-mail to people: messages rendered from Jinja2 templates per locale (`compose`), built from outbox events
(`messages`), sent by a transport (`transports`: SES, SMTP, or captured locally by `captured`).

Only the notifications consumer imports this package (a contract test holds every other function to that).
"""
