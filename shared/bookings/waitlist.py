"""The waitlist: first come, first served per departure; seats that come back are offered as held bookings.

Every path that gives seats back (a cancellation, an expired hold, fewer seats, a move away, a raised
capacity, a reopened departure) calls `offer_freed` in its own transaction, after its UPDATE of the
departure: that transaction holds the departure's row, so offers of one departure are made one run at a
time, and the seats are offered before anyone else can book them. The oldest waiting entry (by `seq`)
whose seats fit gets a `pending` booking held for the usual time, taken by the same conditional UPDATE as
any booking (capacity holds whatever happens), and a `waitlist.offered` event; its status becomes
`offered`, so it is never offered twice. Joining and leaving share-lock the departure's row: an entry is
never added or removed in the middle of an offer run, and one that joins after seats came back finds them.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from shared.bookings import changes
from shared.bookings.errors import AlreadyWaitlistedError, DepartureClosedError, SeatsAvailableError
from shared.bookings.models import Booking, WaitlistEntry
from shared.core import outbox, pages
from shared.core.errors import InvalidStateError, NotFoundError
from shared.core.orm import utcnow
from shared.core.settings import get_settings
from shared.core.uow import UnitOfWork
from shared.tours.models import Departure, Tour
from shared.tours.seats import Seats
from shared.users.models import User

if TYPE_CHECKING:
    from shared.bookings import schemas
    from shared.core.schemas import PageQuery


async def join_waitlist(uow: UnitOfWork, *, user: User, departure_id: uuid.UUID,
                        data: schemas.WaitlistJoin) -> schemas.WaitlistEntryOut:
    """Wait for seats on a departure that has too few left for `seats` (409 if they are there: book them)."""
    departure = await _share_lock(uow, departure_id)
    if departure.status != "open" or departure.starts_on <= utcnow().date():
        raise DepartureClosedError(f"This departure is {departure.status if departure.status != 'open' else 'past'}")
    if departure.seats_left >= data.seats:
        raise SeatsAvailableError(f"{departure.seats_left} seats are left: book them",
                                  extra={"seats_left": departure.seats_left})
    entry_id = await uow.session.scalar(
        insert(WaitlistEntry)
        .values(id=uuid.uuid4(), user_id=user.id, departure_id=departure_id, seats=data.seats, status="waiting",
                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "departure_id"],
                                index_where=text("status = 'waiting'"))
        .returning(WaitlistEntry.id)
    )
    if entry_id is None:
        raise AlreadyWaitlistedError("You are already waiting for this departure")
    entry = await uow.session.get_one(WaitlistEntry, entry_id)
    shown = (await _shown(uow, [entry]))[0]
    await uow.commit()
    return shown


async def list_waitlist(uow: UnitOfWork, *, user: User, query: PageQuery) -> schemas.WaitlistPage:
    """The caller's waitlist entries, newest first, with their place in the queue."""
    page = await pages.newest_first(
        uow, select(WaitlistEntry).where(WaitlistEntry.user_id == user.id), at=WaitlistEntry.created_at,
        id=WaitlistEntry.id, limit=query.limit, cursor=query.cursor, out=lambda entry: entry,
    )
    from shared.bookings import schemas

    return schemas.WaitlistPage(items=await _shown(uow, page.items), next_cursor=page.next_cursor)


async def leave_waitlist(uow: UnitOfWork, *, user: User, entry_id: uuid.UUID) -> None:
    """Stop waiting (an entry already offered has a booking: cancel that instead)."""
    departure_id = await uow.session.scalar(
        select(WaitlistEntry.departure_id).where(WaitlistEntry.id == entry_id, WaitlistEntry.user_id == user.id))
    if departure_id is None:
        raise NotFoundError("No such waitlist entry")
    await _share_lock(uow, departure_id, published_only=False)
    removed = await uow.session.scalar(
        delete(WaitlistEntry).where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "waiting")
        .returning(WaitlistEntry.id))
    if removed is None:
        raise InvalidStateError("This entry was offered a booking: cancel the booking instead")
    await uow.commit()


async def offer_freed(uow: UnitOfWork, departure_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Seats]:
    """Offer seats that came back to the oldest waiting entries that fit (the caller's transaction, which has
    just updated these departures' rows, commits). Returns the seats left where offers were made."""
    left: dict[uuid.UUID, Seats] = {}
    now = utcnow()
    for departure_id in sorted(set(departure_ids)):
        while True:
            entry = await uow.session.scalar(
                select(WaitlistEntry)
                .join(Departure, Departure.id == WaitlistEntry.departure_id)
                .where(WaitlistEntry.departure_id == departure_id, WaitlistEntry.status == "waiting",
                       WaitlistEntry.seats <= Departure.capacity - Departure.seats_taken)
                .order_by(WaitlistEntry.seq).limit(1).with_for_update(of=WaitlistEntry)
            )
            if entry is None:
                break
            offered = await _offer(uow, entry, now)
            if offered is None:  # closed, cancelled, past or unpublished: nobody is offered anything
                break
            left[departure_id] = offered
    return left


async def _offer(uow: UnitOfWork, entry: WaitlistEntry, now: dt.datetime) -> Seats | None:
    taken = (await uow.session.execute(
        update(Departure)
        .where(Departure.id == entry.departure_id, Departure.tour_id == Tour.id, Tour.is_published,
               Departure.status == "open", Departure.starts_on > now.date(),
               Departure.seats_taken + entry.seats <= Departure.capacity)
        .values(seats_taken=Departure.seats_taken + entry.seats, seats_version=Departure.seats_version + 1)
        .returning(Departure.capacity - Departure.seats_taken, Departure.seats_version, Departure.tour_id,
                   Departure.starts_on, func.coalesce(Departure.price_cents, Tour.price_cents), Tour.currency,
                   Tour.duration_days)
    )).one_or_none()
    if taken is None:
        return None
    seats_left, version, tour_id, starts_on, unit_price, currency, days = taken
    booking = Booking(
        id=uuid.uuid4(), user_id=entry.user_id, tour_id=tour_id, departure_id=entry.departure_id,
        starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=days - 1), seats=entry.seats, travellers=[],
        note=None, total_cents=unit_price * entry.seats, currency=currency, status="pending",
        expires_at=now + dt.timedelta(seconds=get_settings().booking_hold_seconds), paid_cents=0,
        refunded_cents=0, payment_method=None, version=1, created_at=now, updated_at=now,
    )
    uow.session.add(booking)
    await uow.session.flush()
    entry.status, entry.booking_id, entry.offered_at = "offered", booking.id, func.clock_timestamp()
    await uow.session.flush()
    changes.record(uow, "booking.created", booking)
    # The schemas (built when their module loads) only when an offer is made: a job or a cancellation that
    # frees seats nobody waits for never needs them (as in changes.record).
    from shared.bookings import schemas

    offered = (await _shown(uow, [entry]))[0]
    outbox.record(uow, "waitlist.offered", aggregate_id=entry.id, user_id=entry.user_id,
                  payload={"entry": offered.model_dump(mode="json"),
                           "booking": schemas.BookingOut.model_validate(booking).model_dump(mode="json")})
    return Seats(seats_left, version)


async def _share_lock(uow: UnitOfWork, departure_id: uuid.UUID, *, published_only: bool = True) -> Departure:
    """The departure, its row share-locked: no offer run of it starts or ends while we hold it."""
    statement = select(Departure).join(Tour, Tour.id == Departure.tour_id).where(Departure.id == departure_id)
    if published_only:
        statement = statement.where(Tour.is_published)
    departure = await uow.session.scalar(
        statement.with_for_update(read=True, of=Departure).execution_options(populate_existing=True))
    if departure is None:
        raise NotFoundError("No such departure")
    return departure


async def _shown(uow: UnitOfWork, entries: list[WaitlistEntry]) -> list[schemas.WaitlistEntryOut]:
    """Entries as shown, each waiting one with its place among its departure's waiting entries."""
    from shared.bookings import schemas

    ahead = aliased(WaitlistEntry)
    waiting = [entry.id for entry in entries if entry.status == "waiting"]
    positions: dict[uuid.UUID, int] = {entry_id: count for entry_id, count in (await uow.session.execute(
        select(WaitlistEntry.id, func.count(ahead.id))
        .join(ahead, and_(ahead.departure_id == WaitlistEntry.departure_id, ahead.status == "waiting",
                          ahead.seq <= WaitlistEntry.seq))
        .where(WaitlistEntry.id.in_(waiting)).group_by(WaitlistEntry.id)
    )).all()} if waiting else {}
    return [schemas.WaitlistEntryOut(id=entry.id, departure_id=entry.departure_id, seats=entry.seats,
                                     position=positions.get(entry.id), status=entry.status,
                                     booking_id=entry.booking_id, created_at=entry.created_at)
            for entry in entries]
