"""The catalogue: tours, their departures and images. Reads go through the read model's cache."""
from __future__ import annotations

import re
import secrets
import unicodedata
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shared.core import uploads
from shared.core.errors import InvalidStateError, NotFoundError
from shared.core.schemas import Page, PresignedPost
from shared.core.uow import UnitOfWork
from shared.tours import images, readmodel, schemas, seats as seat_counts, tourcard
from shared.tours.errors import CapacityBelowTakenError, DepartureExistsError
from shared.tours.images import TourImage
from shared.tours.models import Departure, Tour


async def list_tours(uow: UnitOfWork, *, query: schemas.ToursQuery) -> schemas.TourPage:
    """Published tours matching the filters, in the requested order, a page at a time."""
    items, next_cursor = await readmodel.list_tours(uow, query)
    return Page(items=items, next_cursor=next_cursor)


async def list_admin_tours(uow: UnitOfWork, *, query: schemas.AdminToursQuery) -> schemas.TourPage:
    """Every tour, drafts included (archived ones are gone), newest first; `q` searches, `is_published` filters."""
    items, next_cursor = await readmodel.list_admin_tours(uow, query)
    return Page(items=items, next_cursor=next_cursor)


async def get_tour(uow: UnitOfWork, *, tour_id: uuid.UUID | str, is_admin: bool) -> schemas.TourOut:
    """One tour by id (or, as text, by id or slug); unpublished tours exist only for admins."""
    if isinstance(tour_id, str):
        tour = await readmodel.read_tour(uow, tour_id)
    else:
        tour = (await readmodel.read_tours(uow, [tour_id])).get(tour_id)
    if tour is None or not (tour.is_published or is_admin):
        raise NotFoundError("No such tour")
    return tour


async def get_tour_json(uow: UnitOfWork, *, tour_id: str, is_admin: bool) -> bytes:
    """`get_tour`'s `TourOut` as JSON, for a caller that only sends it on (when warm, straight from the cache)."""
    found = await readmodel.read_tour_json(uow, tour_id)
    if found is None or not (found[1] or is_admin):
        raise NotFoundError("No such tour")
    return found[0]


async def create_tour(uow: UnitOfWork, *, data: schemas.TourCreate) -> schemas.TourOut:
    """Add a tour to the catalogue (unpublished unless `is_published`)."""
    tour = Tour(**data.model_dump(), slug=_slug(data.title))
    uow.session.add(tour)
    await uow.session.flush()
    await _commit(uow, tour.id)
    return await get_tour(uow, tour_id=tour.id, is_admin=True)


async def update_tour(uow: UnitOfWork, *, tour_id: uuid.UUID, data: schemas.TourUpdate) -> schemas.TourOut:
    """Change some fields of a tour."""
    tour = await _tour_for_update(uow, tour_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(tour, name, value)
    await _commit(uow, tour_id)
    return await get_tour(uow, tour_id=tour_id, is_admin=True)


async def list_departures(
    uow: UnitOfWork, *, tour_id: uuid.UUID, query: schemas.DeparturesQuery, is_admin: bool
) -> schemas.DeparturePage:
    """A tour's departures by date (from tomorrow unless `date_from` says otherwise)."""
    await get_tour(uow, tour_id=tour_id, is_admin=is_admin)
    items, next_cursor = await readmodel.list_departures(uow, tour_id, query)
    return Page(items=items, next_cursor=next_cursor)


async def create_departure(
    uow: UnitOfWork, *, tour_id: uuid.UUID, data: schemas.DepartureCreate
) -> schemas.DepartureOut:
    """Schedule a new date for a tour; one departure per tour and day."""
    tour = await _tour_for_update(uow, tour_id)
    departure = Departure(tour_id=tour_id, starts_on=data.starts_on, capacity=data.capacity,
                          price_cents=data.price_cents)
    uow.session.add(departure)
    try:
        await uow.session.flush()
    except IntegrityError:
        await uow.rollback()
        raise DepartureExistsError(f"This tour already departs on {data.starts_on}") from None
    await uow.session.refresh(departure)
    await _commit(uow, tour_id, seats={departure.id: seat_counts.Seats(departure.seats_left, departure.seats_version)})
    return readmodel.departure_out(departure, tour)


async def update_departure(
    uow: UnitOfWork, *, departure_id: uuid.UUID, data: schemas.DepartureUpdate
) -> schemas.DepartureOut:
    """Change capacity (never below the seats taken) or open/close a departure."""
    departure = await _departure_for_update(uow, departure_id)
    if departure.status == "cancelled":
        raise InvalidStateError("A cancelled departure cannot change")
    freed = (data.capacity or 0) > departure.capacity or (data.status == "open" and departure.status != "open")
    if data.capacity is not None:
        if data.capacity < departure.seats_taken:
            raise CapacityBelowTakenError(f"{departure.seats_taken} seats are already taken",
                                          extra={"seats_taken": departure.seats_taken})
        if data.capacity != departure.capacity:  # the row is locked: this is the next version
            departure.capacity, departure.seats_version = data.capacity, departure.seats_version + 1
    if data.status is not None:
        departure.status = data.status
    await uow.session.flush()
    if freed:  # seats came back (more capacity, reopened): the waitlist has them first
        from shared.bookings import waitlist

        if await waitlist.offer_freed(uow, [departure.id]):
            await uow.session.refresh(departure)  # the offers took seats
    await _commit(uow, departure.tour_id,
                  seats={departure.id: seat_counts.Seats(departure.seats_left, departure.seats_version)})
    tour = await uow.session.get(Tour, departure.tour_id)
    assert tour is not None
    return readmodel.departure_out(departure, tour)


async def request_image_upload(
    uow: UnitOfWork, *, tour_id: uuid.UUID, data: schemas.ImageUploadIn
) -> schemas.ImageUploadOut:
    """A presigned POST for one image (PNG, JPEG or WebP, at most 5 MiB)."""
    await _tour_for_update(uow, tour_id)
    image_id = uuid.uuid4()
    key = images.new_key(tour_id, image_id, data.content_type)
    uow.session.add(TourImage(id=image_id, tour_id=tour_id, key=key, content_type=data.content_type))
    post = uploads.presigned_post(key, data.content_type)
    await uow.commit()
    return schemas.ImageUploadOut(upload=PresignedPost(**post), key=key,
                                  expires_in=uploads.UPLOAD_TTL_SECONDS, image_id=image_id)


async def confirm_image(uow: UnitOfWork, *, tour_id: uuid.UUID, image_id: uuid.UUID) -> schemas.TourOut:
    """Attach an uploaded image once its bytes prove it is one."""
    await _tour_for_update(uow, tour_id)
    image = await uow.session.scalar(
        select(TourImage).where(TourImage.id == image_id, TourImage.tour_id == tour_id).with_for_update()
    )
    if image is None:
        raise NotFoundError("No such image")
    if image.status != "attached":
        image.content_type = uploads.verify_image(image.key)
        image.status = "attached"
        image.position = int(await uow.session.scalar(
            select(func.coalesce(func.max(TourImage.position), -1) + 1).where(TourImage.tour_id == tour_id)
        ) or 0)
        await _commit(uow, tour_id)
    return await get_tour(uow, tour_id=tour_id, is_admin=True)


async def delete_image(uow: UnitOfWork, *, tour_id: uuid.UUID, image_id: uuid.UUID) -> None:
    """Take an image off a tour (attached or still pending); its objects leave the bucket after the commit."""
    await _tour_for_update(uow, tour_id)
    image = await uow.session.scalar(
        select(TourImage).where(TourImage.id == image_id, TourImage.tour_id == tour_id).with_for_update()
    )
    if image is None:
        raise NotFoundError("No such image")
    await uow.session.delete(image)
    keys = images.object_keys(image)

    async def remove_objects() -> None:
        uploads.delete_objects(keys)

    uow.after_commit(remove_objects)
    await _commit(uow, tour_id)


async def _commit(uow: UnitOfWork, tour_id: uuid.UUID, *, seats: dict[uuid.UUID, seat_counts.Seats] | None = None
                  ) -> None:
    tourcard.changing(uow, tour_id, departures=seats is not None)
    seat_counts.changing(uow, seats or {})
    await uow.commit()


async def _tour_for_update(uow: UnitOfWork, tour_id: uuid.UUID) -> Tour:
    tour = await uow.session.scalar(
        select(Tour).where(Tour.id == tour_id, Tour.archived_at.is_(None)).with_for_update()
    )
    if tour is None:
        raise NotFoundError("No such tour")
    return tour


async def _departure_for_update(uow: UnitOfWork, departure_id: uuid.UUID) -> Departure:
    departure = await uow.session.scalar(
        select(Departure).join(Tour, Tour.id == Departure.tour_id)
        .where(Departure.id == departure_id, Tour.archived_at.is_(None)).with_for_update(of=Departure)
    )
    if departure is None:
        raise NotFoundError("No such departure")
    return departure


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:200] or "tour"
    return f"{words}-{secrets.token_hex(3)}"
