"""Changing a booking: travellers and note, seats up or down, another date of the same tour.

The seats move in the transaction that changes the booking: a conditional UPDATE takes the new seats (it
matches nothing when they are not there, and then nothing at all changes) and a plain one gives the old
back, in the departures' id order so that two opposite moves never wait on each other. A confirmed booking
that grows pays the difference first, with no transaction open while the provider works (as paying does);
if the seats are gone by the time it comes back, the difference is refunded in full. One that shrinks or
moves to a cheaper date is refunded by `REFUND_POLICY` for the part it gives up.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from shared.bookings import changes, jobs, payments, refunds, schemas, services, waitlist
from shared.bookings.errors import PaymentDeclinedError, PaymentRequiredError, SoldOutError
from shared.bookings.models import HOLDING, Booking, Refund
from shared.core.errors import AppError, InvalidStateError, NotFoundError, ValidationError
from shared.core.orm import utcnow
from shared.core.uow import UnitOfWork
from shared.tours import seats
from shared.tours.models import Departure, Tour
from shared.tours.seats import Seats
from shared.users.models import User

if TYPE_CHECKING:  # loaded with the first request that has an Idempotency-Key (core.http)
    from shared.core import idempotency


@dataclass(frozen=True)
class _Plan:
    departure_id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date
    seats: int
    total_cents: int

    def moves_seats(self, booking: Booking) -> bool:
        return (self.departure_id, self.seats) != (booking.departure_id, booking.seats)


async def change_booking(
    uow: UnitOfWork, *, caller: User, booking_id: uuid.UUID, data: schemas.BookingUpdate,
    claim: idempotency.Claim | None = None,
) -> Booking:
    """Change a pending or confirmed booking before its departure; seats and date change atomically."""
    from shared.core import idempotency

    now = utcnow()
    booking = await _changeable(uow, booking_id, caller, now)
    plan = await _plan(uow, booking, data)
    travellers = data.travellers if data.travellers is not None else booking.travellers
    if len(travellers) > plan.seats:
        raise ValidationError([{"loc": ["body", "travellers"], "msg": "more travellers than seats",
                                "type": "too_many_travellers"}])
    extra = plan.total_cents - booking.total_cents if booking.status == "confirmed" else 0
    charged = 0
    if extra > 0:
        if data.payment_token is None:
            raise PaymentRequiredError(f"This change costs {extra} more {booking.currency}: send a payment_token",
                                       extra={"amount_cents": extra, "currency": booking.currency})
        booking, charged = await _charge(uow, booking, plan, extra, data.payment_token, now)
    old_starts_on = booking.starts_on
    left: dict[uuid.UUID, Seats] = {}
    if plan.moves_seats(booking):
        try:
            async with uow.session.begin_nested():  # the seats move together or not at all
                left = await _move_seats(uow, booking, plan, now.date())
            if plan.departure_id != booking.departure_id or plan.seats < booking.seats:
                left |= await waitlist.offer_freed(uow, [booking.departure_id])
        except AppError:
            if charged:  # the seats went while the provider worked: the difference goes back in full
                await _give_back(uow, booking, charged)
            raise
    changed = plan.moves_seats(booking) or plan.total_cents != booking.total_cents or any(
        value is not None and value != getattr(booking, name)
        for name, value in (("travellers", data.travellers), ("note", data.note)))
    owed: Refund | None = None
    if changed:
        booking.version += 1
        if extra < 0:
            owed = refunds.owe(uow, booking, refunds.by_policy(booking, -extra, today=now.date())
                               if old_starts_on > now.date() else 0, "change")
        booking.departure_id, booking.starts_on, booking.ends_on = plan.departure_id, plan.starts_on, plan.ends_on
        booking.seats, booking.total_cents, booking.travellers = plan.seats, plan.total_cents, travellers
        booking.paid_cents += charged
        if data.note is not None:
            booking.note = data.note
        booking.updated_at = utcnow()
        changes.record(uow, "booking.changed", booking)
    await idempotency.complete(uow, claim, status=200, body=services.body(booking))
    seats.changing(uow, left)
    await uow.commit()
    await refunds.settle(uow, [owed])
    return booking


async def _changeable(uow: UnitOfWork, booking_id: uuid.UUID, caller: User, now: dt.datetime) -> Booking:
    booking = await services.for_update(uow, booking_id, caller, owner_only=True)
    if booking.status not in HOLDING:
        raise InvalidStateError(f"A {booking.status} booking cannot be changed")
    if booking.starts_on <= now.date():
        raise InvalidStateError("The trip has started: the booking can no longer be changed")
    if booking.checked_in_at is not None:
        raise InvalidStateError("A checked-in booking cannot be changed")
    if booking.status == "pending" and (booking.expires_at is None or booking.expires_at <= now):
        raise InvalidStateError("The hold on these seats has expired")
    if booking.payment_started_at is not None and booking.payment_started_at > now - jobs.PAYMENT_LOCK:
        raise InvalidStateError("A payment for this booking is under way")
    return booking


async def _plan(uow: UnitOfWork, booking: Booking, data: schemas.BookingUpdate) -> _Plan:
    """Where the booking ends up and what it costs: the price booked at on its own date, the target's on another."""
    seats_wanted = data.seats if data.seats is not None else booking.seats
    if data.departure_id is None or data.departure_id == booking.departure_id:
        unit = booking.total_cents // booking.seats
        return _Plan(booking.departure_id, booking.starts_on, booking.ends_on, seats_wanted, unit * seats_wanted)
    target = (await uow.session.execute(
        select(Departure.tour_id, Departure.starts_on, func.coalesce(Departure.price_cents, Tour.price_cents),
               Tour.duration_days)
        .join(Tour, Tour.id == Departure.tour_id).where(Departure.id == data.departure_id, Tour.is_published)
    )).one_or_none()
    if target is None:
        raise NotFoundError("No such departure")
    tour_id, starts_on, unit, days = target
    if tour_id != booking.tour_id:
        raise ValidationError([{"loc": ["body", "departure_id"], "msg": "a departure of another tour",
                                "type": "other_tour"}])
    return _Plan(data.departure_id, starts_on, starts_on + dt.timedelta(days=days - 1), seats_wanted,
                 unit * seats_wanted)


async def _move_seats(uow: UnitOfWork, booking: Booking, plan: _Plan, today: dt.date) -> dict[uuid.UUID, Seats]:
    """Take the plan's seats and give the booking's back: both or neither (the caller's savepoint)."""
    deltas = {booking.departure_id: -booking.seats}
    deltas[plan.departure_id] = deltas.get(plan.departure_id, 0) + plan.seats
    left: dict[uuid.UUID, Seats] = {}
    for departure_id in sorted(deltas):
        delta = deltas[departure_id]
        statement = update(Departure).where(Departure.id == departure_id)
        if delta > 0:
            statement = statement.where(
                Departure.tour_id == Tour.id, Tour.is_published, Departure.status == "open",
                Departure.starts_on > today, Departure.seats_taken + delta <= Departure.capacity)
        row = (await uow.session.execute(
            statement.values(seats_taken=Departure.seats_taken + delta, seats_version=Departure.seats_version + 1)
            .returning(Departure.capacity - Departure.seats_taken, Departure.seats_version)
        )).one_or_none()
        if row is None:
            await services.refuse(uow, departure_id, today=today)
        left[departure_id] = Seats(*row)
    return left


async def _charge(uow: UnitOfWork, booking: Booking, plan: _Plan, extra: int, token: str, now: dt.datetime
                  ) -> tuple[Booking, int]:
    """Charge the difference with nothing held, then take the booking again; (the booking, what was charged)."""
    if plan.moves_seats(booking):  # refuse before charging when the seats are plainly not there
        taken = await uow.session.scalar(select(Departure.capacity - Departure.seats_taken)
                                         .where(Departure.id == plan.departure_id))
        mine = booking.seats if plan.departure_id == booking.departure_id else 0
        if taken is not None and taken + mine < plan.seats:
            raise SoldOutError(f"Only {taken} seats left", extra={"seats_left": taken})
    version, booking_id, caller_id = booking.version, booking.id, booking.user_id
    booking.payment_started_at = now
    await uow.commit()  # the expiry job and other changes leave the booking alone while the provider works
    charge = await payments.provider().charge(
        token=token, amount_cents=extra, currency=booking.currency,
        idempotency_key=f"{booking_id}:v{version}:{plan.departure_id}:{plan.seats}:{token}",
    )
    again = await uow.session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.user_id == caller_id).with_for_update()
        .execution_options(populate_existing=True))
    if again is None:
        raise NotFoundError("No such booking")
    booking = again
    booking.payment_started_at = None
    if not charge.approved:
        await uow.commit()
        raise PaymentDeclinedError(charge.reason or "The payment was declined")
    if booking.version != version or booking.status != "confirmed":  # cancelled meanwhile (by an admin, a job)
        await _give_back(uow, booking, extra)
        raise InvalidStateError(f"The booking changed while paying ({booking.status}): the payment is refunded")
    return booking, extra


async def _give_back(uow: UnitOfWork, booking: Booking, charged: int) -> None:
    """A charge whose change could not be made: recorded as paid and refunded in full, then committed."""
    booking.paid_cents += charged
    booking.version += 1
    owed = refunds.owe(uow, booking, charged, "change_failed")
    booking.updated_at = utcnow()
    await uow.commit()
    await refunds.settle(uow, [owed])
