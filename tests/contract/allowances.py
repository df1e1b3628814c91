"""What each function may pay for at cold start and be allowed by IAM, by handler module name."""
from __future__ import annotations

# They call AWS (S3 presigned URLs, uploads, SQS): only these get IAM policies and may load boto3.
AWS_FUNCTIONS = frozenset({
    "list_tours", "get_tour", "create_tour", "update_tour", "request_tour_image", "confirm_tour_image",
    "relay_outbox", "deliver_notifications",
    "get_me", "update_me", "request_avatar", "confirm_avatar", "list_users", "update_user",
    "list_all_tours", "delete_tour_image", "list_favourites", "make_thumbnails",
})
# They write outbox events and publish them to SQS right after the commit (boto3 loads then, not at import).
DISPATCHING_FUNCTIONS = frozenset({
    "register_user", "request_email_verification", "request_password_reset", "create_booking", "pay_booking",
    "cancel_booking", "cancel_departure", "update_ticket", "delete_me", "expire_bookings", "complete_bookings",
})
# The one function that sends e-mail: only it may import the mail code (shared.mail, Jinja2).
MAIL_FUNCTIONS = frozenset({"deliver_notifications"})
# They hash or check passwords (bcrypt is imported lazily, so even they only load it when called).
PASSWORD_FUNCTIONS = frozenset({"register_user", "log_in", "start_session", "update_me"})
# They serve files: no database, cache or tokens.
DOCS_FUNCTIONS = frozenset({"get_openapi", "get_docs"})
# They read rows of these tables and never write one, so need not import the tables those rows refer to (a flush
# resolves the foreign keys of the tables it writes): a support ticket may name one of the caller's bookings (whose
# module declares the refund and waitlist tables beside it).
READ_ONLY_TABLES = {
    name: frozenset({"booking", "refund", "waitlist_entry"})
    for name in ("open_ticket", "list_tickets", "list_all_tickets", "update_ticket", "get_support_ticket",
                 "add_ticket_message")
} | {
    # They read a user's notification settings; the channels that write (e-mail, Telegram) import the users' model.
    name: frozenset({"notification_setting"}) for name in ("deliver_notifications", "relay_outbox")
}
# The sign-in callback verifies ID tokens with joserfc (and so cryptography), which only its own package carries.
OAUTH_FUNCTIONS = frozenset({"finish_oauth_sign_in"})
