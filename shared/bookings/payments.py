"""The payment provider interface and the built-in fake provider (the product's provider until a real one)."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    approved: bool
    reference: str | None = None
    reason: str | None = None


class PaymentProvider(Protocol):
    async def charge(self, *, token: str, amount_cents: int, currency: str, idempotency_key: str) -> Charge:
        """Charge once per `idempotency_key`: a repeated call returns the first outcome."""
        ...


class FakeProvider:
    """`tok_ok` is approved, `tok_declined` (and any other token) is declined; repeats are idempotent."""

    def __init__(self) -> None:
        self._charges: dict[str, Charge] = {}
        self._lock = threading.Lock()

    async def charge(self, *, token: str, amount_cents: int, currency: str, idempotency_key: str) -> Charge:
        with self._lock:
            known = self._charges.get(idempotency_key)
            if known is None:
                if token == "tok_ok":
                    reference = "fake_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
                    known = Charge(approved=True, reference=reference)
                else:
                    known = Charge(approved=False, reason="The card was declined")
                self._charges[idempotency_key] = known
            return known


_provider: PaymentProvider = FakeProvider()


def provider() -> PaymentProvider:
    return _provider
