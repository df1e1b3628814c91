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


@dataclass(frozen=True)
class Refund:
    reference: str
    amount_cents: int


class PaymentProvider(Protocol):
    async def charge(self, *, token: str, amount_cents: int, currency: str, idempotency_key: str) -> Charge:
        """Charge once per `idempotency_key`: a repeated call returns the first outcome."""
        ...

    async def refund(self, *, charge_reference: str | None, amount_cents: int, currency: str,
                     idempotency_key: str) -> Refund:
        """Pay money back once per `idempotency_key`: a repeated call returns the first refund."""
        ...


class FakeProvider:
    """`tok_ok` is approved, `tok_declined` (and any other token) is declined; repeats are idempotent."""

    def __init__(self) -> None:
        self._charges: dict[str, Charge] = {}
        self.charges: list[tuple[str, int]] = []  # (key, amount) of every approved charge, in order
        self.refunds: list[tuple[str, int]] = []  # (key, amount) of every refund made, in order
        self._refunded: dict[str, Refund] = {}
        self._lock = threading.Lock()

    async def charge(self, *, token: str, amount_cents: int, currency: str, idempotency_key: str) -> Charge:
        with self._lock:
            known = self._charges.get(idempotency_key)
            if known is None:
                if token == "tok_ok":
                    reference = "fake_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
                    known = Charge(approved=True, reference=reference)
                    self.charges.append((idempotency_key, amount_cents))
                else:
                    known = Charge(approved=False, reason="The card was declined")
                self._charges[idempotency_key] = known
            return known

    async def refund(self, *, charge_reference: str | None, amount_cents: int, currency: str,
                     idempotency_key: str) -> Refund:
        with self._lock:
            known = self._refunded.get(idempotency_key)
            if known is None:
                reference = "fake_re_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:21]
                known = self._refunded[idempotency_key] = Refund(reference, amount_cents)
                self.refunds.append((idempotency_key, amount_cents))
            return known


_provider: PaymentProvider = FakeProvider()


def provider() -> PaymentProvider:
    return _provider


def use(replacement: PaymentProvider) -> PaymentProvider:
    """Install another provider (tests: one that fails on the way back); returns the one it replaced."""
    global _provider
    previous, _provider = _provider, replacement
    return previous
