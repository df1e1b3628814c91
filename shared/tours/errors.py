"""Errors of the catalogue."""
from __future__ import annotations

from shared.core.errors import ConflictError


class DepartureExistsError(ConflictError):
    code, title = "departure_exists", "The tour already departs that day"


class CapacityBelowTakenError(ConflictError):
    code, title = "capacity_below_taken", "Capacity below the seats already taken"


class HasActiveBookingsError(ConflictError):
    code, title = "has_active_bookings", "The tour still has active bookings"
