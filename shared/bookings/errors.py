"""Errors of bookings."""
from __future__ import annotations

from shared.core.errors import AppError, ConflictError


class SoldOutError(ConflictError):
    code, title = "sold_out", "Not enough seats left"


class DepartureClosedError(ConflictError):
    code, title = "departure_closed", "The departure takes no bookings"


class PaymentDeclinedError(AppError):
    status, code, title = 402, "payment_declined", "Payment declined"


class AlreadyCheckedInError(ConflictError):
    code, title = "already_checked_in", "Already checked in"


class PaymentRequiredError(ConflictError):
    code, title = "payment_required", "The change costs more: a payment_token is needed"


class AlreadyWaitlistedError(ConflictError):
    code, title = "already_waitlisted", "Already waiting for this departure"


class SeatsAvailableError(ConflictError):
    code, title = "seats_available", "Seats are available: book them instead"
