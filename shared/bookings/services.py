"""Bookings: seats taken atomically, paid once, cancelled, expired and completed without losing a seat.

Every change of a booking's seats changes `departure.seats_taken` in the same transaction, with one
conditional UPDATE, so the seats of pending and confirmed bookings never exceed capacity whatever
the concurrency (a CHECK constraint backs it). Events go to the outbox in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from sqlalchemy import (
    CTE, ColumnElement, Date, Executable, Integer, LargeBinary, Select, bindparam, exists, func, insert, select, update,
)

from shared.bookings import changes, payments, refunds, schemas, tickets, waitlist
from shared.bookings.jobs import PAYMENT_LOCK
from shared.bookings.errors import AlreadyCheckedInError, DepartureClosedError, PaymentDeclinedError, SoldOutError
from shared.bookings.models import HOLDING, Booking
from shared.core import outbox, pages, snapstart
from shared.core.outbox import OutboxEvent
from shared.core.errors import InvalidStateError, NotFoundError
from shared.core.orm import Base, utcnow
from shared.core.settings import get_settings
from shared.core.tokens import AccessClaims
from shared.core.uow import UnitOfWork
from shared.tours import seats
from shared.tours.seats import Seats
from shared.tours.models import Departure, Tour
from shared.users.models import TokenFamily, User

if TYPE_CHECKING:  # what an Idempotency-Key needs loads with the first request that has one (core.http)
    from shared.core import idempotency

_BOOKING_COLUMNS = ("id", "user_id", "tour_id", "departure_id", "starts_on", "ends_on", "seats", "travellers", "note",
                    "total_cents", "currency", "status", "expires_at", "paid_cents", "refunded_cents",
                    "payment_method", "version", "created_at", "updated_at")
_EVENT_COLUMNS = ("id", "type", "aggregate_id", "user_id", "payload", "created_at")


class _BookingStatements(NamedTuple):
    offer: Executable
    book: Executable
    book_and_store: Executable
    book_as_caller: Executable  # `book`, only if the caller's token family is live and the account active


@snapstart.prime
@functools.cache
def _booking_statements() -> _BookingStatements:
    """Every booking runs the same two statements: built once per environment, on the first booking (not at
    import: the other booking functions never need them) or before a SnapStart snapshot, and bound per request."""
    from shared.core.idempotency import IdempotencyRecord

    offer = (
        select(Departure.tour_id, Departure.starts_on, func.coalesce(Departure.price_cents, Tour.price_cents),
               Tour.currency, Tour.duration_days)
        .join(Tour, Tour.id == Departure.tour_id)
        .where(Departure.id == bindparam("departure_id"), Tour.is_published)
    )
    seats = bindparam("seats", type_=Integer)
    # The caller of a request signed in by its token only (users.access.signed_in_by_write): what
    # users.access.load_caller checks, checked here, in the statement that books.
    live_caller = exists(
        select(TokenFamily.id).join(User, User.id == TokenFamily.user_id)
        .where(TokenFamily.id == bindparam("caller_family"), User.id == bindparam("booking_user_id"),
               TokenFamily.revoked_at.is_(None), User.is_active)
    )

    def book_if(*conditions: ColumnElement[bool]) -> Select[tuple[int, int]]:
        """The departure's seats, the booking and its outbox event in one statement, run as a transaction of its
        own: the hot departure's row is locked while PostgreSQL runs it, never across a round trip to us."""
        taken = (
            update(Departure)
            .where(
                Departure.id == bindparam("departure_id"), Departure.tour_id == Tour.id, Tour.is_published,
                Departure.status == "open", Departure.starts_on > bindparam("today", type_=Date),
                Departure.seats_taken + seats <= Departure.capacity,
                # ... and the offer the booking was priced with is still the departure's (it may be remembered)
                Departure.tour_id == bindparam("booking_tour_id"),
                Departure.starts_on == bindparam("booking_starts_on"),
                func.coalesce(Departure.price_cents, Tour.price_cents) == bindparam("unit_price", type_=Integer),
                Tour.currency == bindparam("booking_currency"), Tour.duration_days == bindparam("days", type_=Integer),
                *conditions,
            )
            .values(seats_taken=Departure.seats_taken + seats, seats_version=Departure.seats_version + 1)
            .returning((Departure.capacity - Departure.seats_taken).label("seats_left"), Departure.seats_version)
            .cte("taken")
        )

        def for_each_seat_taken(model: type[Base], columns: tuple[str, ...], prefix: str) -> CTE:
            """INSERT one row of bound values for each row of `taken`: one if the seats were taken, else none."""
            values = select(*(bindparam(f"{prefix}{name}", type_=model.__table__.c[name].type) for name in columns))
            return insert(model).from_select(list(columns), values.select_from(taken)).cte(f"{prefix}row")

        return (
            select(taken.c.seats_left, taken.c.seats_version)
            .add_cte(for_each_seat_taken(Booking, _BOOKING_COLUMNS, "booking_"))
            .add_cte(for_each_seat_taken(OutboxEvent, _EVENT_COLUMNS, "event_"))
        )

    book = book_if()
    # ... and with an `Idempotency-Key`, the response it will replay, in the same transaction.
    book_and_store = book.add_cte(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == bindparam("claim_user_id"),
               IdempotencyRecord.key == bindparam("claim_key"), exists(select(book.selected_columns.seats_version)))
        .values(state="done", response_status=201, response_body=bindparam("claim_body", type_=LargeBinary))
        .cte("stored")
    )
    return _BookingStatements(offer, book, book_and_store, book_if(live_caller))


class _Offer(NamedTuple):
    tour_id: uuid.UUID
    starts_on: dt.date
    unit_price: int
    currency: str
    days: int


# The offers of the departures booked lately, by departure: the booking statement checks the one it is given against
# the departure and its tour, so a remembered offer that changed since books nothing and is read again.
_offers: dict[uuid.UUID, _Offer] = {}
_OFFERS_KEPT = 4096


async def _offer(uow: UnitOfWork, departure_id: uuid.UUID) -> _Offer:
    # Columns, no entities: run on the session's connection, without the ORM's work on the way in and out.
    connection = await uow.session.connection()
    row = (await connection.execute(_booking_statements().offer, {"departure_id": departure_id})).one_or_none()
    if row is None:
        raise NotFoundError("No such departure")
    if len(_offers) >= _OFFERS_KEPT:
        del _offers[next(iter(_offers))]  # the one remembered first
    offer = _offers[departure_id] = _Offer(*row)
    return offer


async def create_booking(
    uow: UnitOfWork, *, user: User | AccessClaims, data: schemas.BookingCreate, claim: idempotency.Claim | None = None,
    paid_offline: bool = False,
) -> Booking:
    """Hold seats on a departure for the hold time; the price is computed here, never sent.

    `user`: the caller's row, or the claims of its access token, which the booking statement checks (a revoked
    token or an inactive account books nothing and is refused first). `paid_offline` (admins): the booking is
    confirmed at once, paid outside the provider.
    """
    statements = _booking_statements()
    by_token = isinstance(user, AccessClaims)
    if by_token and claim is not None:
        raise ValueError("a booking under an Idempotency-Key has its caller checked before its key is claimed")
    book = statements.book_and_store if claim is not None else statements.book_as_caller if by_token else \
        statements.book
    offer, remembered = _offers.get(data.departure_id), True
    if offer is None:
        try:
            offer, remembered = await _offer(uow, data.departure_id), False
        except NotFoundError:
            await _caller_checked(uow, user)
            raise
    while True:
        now = utcnow()
        booking = Booking(
            id=uuid.uuid4(), user_id=user.id, tour_id=offer.tour_id, departure_id=data.departure_id,
            starts_on=offer.starts_on, ends_on=offer.starts_on + dt.timedelta(days=offer.days - 1), seats=data.seats,
            travellers=data.travellers, note=data.note, total_cents=offer.unit_price * data.seats,
            currency=offer.currency, status="pending",
            expires_at=now + dt.timedelta(seconds=get_settings().booking_hold_seconds), paid_cents=0,
            refunded_cents=0, payment_method=None, version=1, created_at=now, updated_at=now,
        )
        if paid_offline:
            booking.status, booking.expires_at = "confirmed", None
            booking.paid_cents, booking.payment_method = booking.total_cents, "offline"
        shown = schemas.BookingOut.model_validate(booking)
        event = OutboxEvent(id=uuid.uuid4(), type="booking.created", aggregate_id=booking.id, user_id=user.id,
                            payload=shown.model_dump(mode="json"), created_at=now)
        params = {
            "departure_id": data.departure_id, "today": now.date(), "seats": data.seats,
            "unit_price": offer.unit_price, "days": offer.days,
            **{f"booking_{name}": getattr(booking, name) for name in _BOOKING_COLUMNS},
            **{f"event_{name}": getattr(event, name) for name in _EVENT_COLUMNS},
        }
        if claim is not None:
            params |= {"claim_user_id": claim.user_id, "claim_key": claim.key,
                       "claim_body": shown.model_dump_json().encode()}
        if isinstance(user, AccessClaims):
            params["caller_family"] = user.family_id
        # The conditional UPDATE re-checks everything the offer was read with; if it matches nothing, the
        # statement inserts nothing either.
        taken = await uow.commit_alone(
            book, params,
            then=lambda row: seats.changing(uow, {data.departure_id: Seats(row.seats_left, row.seats_version)}))
        if taken is not None:
            break
        if isinstance(user, AccessClaims):
            user, book = await _caller_checked(uow, user), statements.book
        if remembered:  # the offer changed since, or it did not and the departure says why not
            _offers.pop(data.departure_id, None)
            fresh, remembered = await _offer(uow, data.departure_id), False
            if fresh != offer:
                offer = fresh
                continue
        await refuse(uow, data.departure_id, today=now.date())
    if claim is not None:
        claim.completed = True
    changes.counted(booking)
    await outbox.dispatch([event])  # as written: what the statement inserted
    return booking


async def _caller_checked(uow: UnitOfWork, user: User | AccessClaims) -> User:
    """The caller's row; a revoked token or an inactive account is refused (before any other refusal)."""
    if isinstance(user, User):
        return user
    from shared.users.access import load_caller

    return await load_caller(uow, user)


async def create_booking_for(
    uow: UnitOfWork, *, data: schemas.AdminBookingCreate, claim: idempotency.Claim | None = None
) -> Booking:
    """An admin books for a user (an active account), held like any booking or confirmed when paid offline."""
    user = await uow.session.scalar(select(User).where(User.id == data.user_id, User.is_active,
                                                       User.deleted_at.is_(None)))
    if user is None:
        raise NotFoundError("No such user")
    return await create_booking(uow, user=user, data=data, claim=claim, paid_offline=data.paid_offline)


async def get_booking(uow: UnitOfWork, *, caller: User, booking_id: uuid.UUID) -> Booking:
    """One booking, for its owner or an admin; anyone else is told it does not exist."""
    booking = await uow.session.get(Booking, booking_id)
    if booking is None or not (booking.user_id == caller.id or caller.role == "admin"):
        raise NotFoundError("No such booking")
    return booking


async def list_bookings(uow: UnitOfWork, *, query: schemas.AdminBookingsQuery, user_id: uuid.UUID | None
                        ) -> schemas.BookingPage:
    """Bookings, newest first; `user_id` set restricts them to that user."""
    statement = select(Booking)
    filters = {"status": query.status, "tour_id": query.tour_id, "departure_id": query.departure_id,
               "user_id": user_id or query.user_id}
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(Booking, name) == value)
    return await pages.newest_first(uow, statement, at=Booking.created_at, id=Booking.id, limit=query.limit,
                                    cursor=query.cursor, out=schemas.BookingOut.model_validate)


async def pay_booking(
    uow: UnitOfWork, *, caller: User, booking_id: uuid.UUID, data: schemas.PaymentIn,
    claim: idempotency.Claim | None = None,
) -> Booking:
    """Pay a pending, unexpired booking; no transaction or lock is held while the provider works."""
    from shared.core import idempotency

    now = utcnow()
    booking = await for_update(uow, booking_id, caller, owner_only=True)
    if booking.status != "pending" or booking.expires_at is None or booking.expires_at <= now:
        raise InvalidStateError(f"A {booking.status} booking cannot be paid" if booking.status != "pending"
                                else "The hold on these seats has expired")
    if booking.payment_started_at is not None and booking.payment_started_at > now - PAYMENT_LOCK:
        raise InvalidStateError("A payment for this booking is already under way")
    booking.payment_started_at = now
    amount, currency = booking.total_cents, booking.currency
    await uow.commit()  # the expiry job now leaves this booking alone while we are at the provider

    charge = await payments.provider().charge(
        token=data.payment_token, amount_cents=amount, currency=currency,
        idempotency_key=f"{booking_id}:{data.payment_token}",
    )

    booking = await for_update(uow, booking_id, caller, owner_only=True)
    booking.payment_started_at = None
    if not charge.approved:
        await uow.commit()
        raise PaymentDeclinedError(charge.reason or "The payment was declined")
    if booking.status != "pending":  # cancelled while the provider worked: its seats are gone, the money goes back
        booking.paid_cents += amount
        booking.payment_method, booking.version = booking.payment_method or "card", booking.version + 1
        booking.payment_reference = booking.payment_reference or charge.reference
        owed = refunds.owe(uow, booking, amount, "paid_too_late")
        await uow.commit()
        await refunds.settle(uow, [owed])
        raise InvalidStateError(f"The booking was {booking.status} while paying: the payment is refunded")
    booking.status, booking.expires_at, booking.payment_reference = "confirmed", None, charge.reference
    booking.paid_cents, booking.payment_method, booking.version = amount, "card", booking.version + 1
    booking.updated_at = utcnow()
    changes.record(uow, "booking.confirmed", booking)
    await idempotency.complete(uow, claim, status=200, body=body(booking))
    await uow.commit()
    return booking


async def cancel_booking(uow: UnitOfWork, *, caller: User, booking_id: uuid.UUID) -> Booking:
    """Cancel a pending or confirmed booking and give its seats back, in one transaction; a paid one is refunded
    by `REFUND_POLICY` (an admin's cancellation in full)."""
    booking = await for_update(uow, booking_id, caller, owner_only=False)
    if booking.status not in HOLDING:
        raise InvalidStateError(f"A {booking.status} booking cannot be cancelled")
    if caller.role != "admin":
        if booking.checked_in_at is not None:
            raise InvalidStateError("A checked-in booking cannot be cancelled")
        if booking.starts_on <= utcnow().date():
            raise InvalidStateError("The trip has started: the booking can no longer be cancelled")
    by_admin = caller.role == "admin"
    released = await changes.release(
        uow, [booking], "cancelled", "booking.cancelled", reason="admin_cancel" if by_admin else "cancel",
        refund=refunds.in_full if by_admin else lambda held: refunds.by_policy(held, held.total_cents),
    )
    offered = await waitlist.offer_freed(uow, released.left)
    seats.changing(uow, released.left | offered)
    await uow.commit()
    await refunds.settle(uow, released.refunds)
    return booking


async def refuse(uow: UnitOfWork, departure_id: uuid.UUID, *, today: dt.date) -> NoReturn:
    """Why the seats could not be taken: unknown, closed or sold out."""
    found = (await uow.session.execute(
        select(Departure, Tour.is_published).join(Tour, Tour.id == Departure.tour_id)
        .where(Departure.id == departure_id)
    )).one_or_none()
    if found is None or not found[1]:
        raise NotFoundError("No such departure")
    departure: Departure = found[0]
    if departure.status != "open" or departure.starts_on <= today:
        raise DepartureClosedError(f"This departure is {departure.status if departure.status != 'open' else 'past'}")
    raise SoldOutError(f"Only {departure.seats_left} seats left", extra={"seats_left": departure.seats_left})


async def for_update(uow: UnitOfWork, booking_id: uuid.UUID, caller: User, *, owner_only: bool) -> Booking:
    booking = await uow.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update().execution_options(populate_existing=True)
    )
    allowed = booking is not None and (booking.user_id == caller.id or (caller.role == "admin" and not owner_only))
    if booking is None or not allowed:
        raise NotFoundError("No such booking")
    return booking


def body(booking: Booking) -> bytes:
    return schemas.BookingOut.model_validate(booking).model_dump_json().encode()


async def ticket(uow: UnitOfWork, *, caller: User, booking_id: uuid.UUID) -> schemas.BookingTicketOut:
    """The check-in code and its QR code, for a confirmed booking of the caller."""
    booking = await get_booking(uow, caller=caller, booking_id=booking_id)
    if booking.user_id != caller.id:
        raise NotFoundError("No such booking")
    if booking.status != "confirmed":
        raise InvalidStateError(f"A {booking.status} booking has no ticket")
    code = tickets.code_for(booking.id)
    return schemas.BookingTicketOut(booking_id=booking.id, code=code, qr_svg=tickets.qr_svg(code))


async def check_in(uow: UnitOfWork, *, code: str) -> Booking:
    """Admit the holder of a ticket, once."""
    booking_id = tickets.booking_of(code)
    booking = await uow.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update().execution_options(populate_existing=True)
    ) if booking_id else None
    if booking is None:
        raise NotFoundError("No booking has this code")
    if booking.checked_in_at is not None:
        raise AlreadyCheckedInError(f"Checked in at {booking.checked_in_at:%Y-%m-%d %H:%M} UTC")
    if booking.status != "confirmed":
        raise InvalidStateError(f"A {booking.status} booking cannot check in")
    booking.checked_in_at = booking.updated_at = utcnow()
    await uow.commit()
    return booking
