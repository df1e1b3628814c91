"""Demo data for the run command and compose: the two demo accounts and a small real catalogue.

Loading is idempotent and touches nothing else: accounts are restored (role, active, password),
tours are added once (by slug), and every tour gets departures spread over the coming months (each
tour on dates of its own), so the catalogue stays bookable however long ago it was first loaded.
Tours get reviews by a few demo travellers (accounts without a password: nobody signs in as them),
so ratings differ and every sort shows something; `load_demo_images` gives each tour a generated
picture with its thumbnails once the bucket is there.
"""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Numeric, case, func, select, update
from sqlalchemy.dialects.postgresql import insert

from shared.core.uow import UnitOfWork
from shared.reviews.models import Review
from shared.tours import tourcard
from shared.tours.models import Departure, Tour
from shared.users import services as user_services
from shared.users.models import User

DEMO_ACCOUNTS = (
    ("admin@example.com", "admin-password", "admin", "Demo Admin"),
    ("user@example.com", "user-password", "user", "Demo User"),
)
_NAMESPACE = uuid.UUID("5b0f3c1e-7d2a-4c8e-9a41-0d3e6f9b2c77")
MONTHS_AHEAD = 6  # departures spread over this many months from today
TRAVELLERS = ("Ana Costa", "Ben Okafor", "Chloé Martin", "Dmitri Volkov", "Emma Lindqvist", "Farah Haddad")
REVIEW_TEXTS = (
    (5, "Everything was as promised and then some. Our guide knew every corner."),
    (5, "The best week of our year: small group, great food, no rush."),
    (4, "Lovely trip; one long bus day, but the views made up for it."),
    (4, "Well organised and good value. I would book this company again."),
    (3, "Beautiful places, but the hotel on the second night was noisy."),
    (2, "Too many hours on the road for my taste; the walks themselves were fine."),
)
SAMPLE_DEPARTURE_OFFSET = 30  # the departure the sample events (events/*.json) name, made once with a fixed id

# title, country, city, days, price in euros, tags, description
TOURS: tuple[tuple[str, str, str, int, int, tuple[str, ...], str], ...] = (
    ("Lisbon Food and Fado Nights", "Portugal", "Lisbon", 4, 690, ("food", "city", "music"),
     "Taste pastel de nata at dawn and hear fado in Alfama after dark."),
    ("Douro Valley Wine Trail", "Portugal", "Porto", 5, 1190, ("wine", "food", "river"),
     "Terraced vineyards, quintas and a slow boat along the Douro river."),
    ("Azores Whale Watching", "Portugal", "Ponta Delgada", 6, 1450, ("wildlife", "sea", "islands"),
     "Sperm whales, dolphins and volcanic crater lakes in the mid-Atlantic."),
    ("Camino Portugués on Foot", "Portugal", "Porto", 12, 1680, ("hiking", "pilgrimage"),
     "Walk the coastal way from Porto to Santiago de Compostela."),
    ("Andalusia White Villages", "Spain", "Seville", 7, 1390, ("culture", "road-trip"),
     "Ronda, Grazalema and the pueblos blancos of the Sierra."),
    ("Barcelona Gaudí and Tapas", "Spain", "Barcelona", 4, 820, ("city", "architecture", "food"),
     "Sagrada Família, Park Güell and tapas bars of El Born."),
    ("Picos de Europa Trekking", "Spain", "Oviedo", 8, 1290, ("hiking", "mountains"),
     "Limestone peaks, gorges and mountain huts in northern Spain."),
    ("Canary Islands Volcano Hikes", "Spain", "Santa Cruz de Tenerife", 7, 1240, ("hiking", "islands"),
     "Climb Mount Teide and walk the laurel forests of La Gomera."),
    ("Tuscany Cooking School", "Italy", "Florence", 6, 1590, ("food", "wine", "culture"),
     "Hand-made pasta, Chianti tastings and market mornings in Florence."),
    ("Dolomites Hut to Hut", "Italy", "Cortina d'Ampezzo", 8, 1490, ("hiking", "mountains"),
     "Alta Via 1 through jagged peaks, sleeping in mountain rifugi."),
    ("Amalfi Coast Sailing", "Italy", "Amalfi", 7, 2190, ("sea", "sailing"),
     "Positano, Capri and hidden coves from the deck of a sailing yacht."),
    ("Sicily Baroque and Street Food", "Italy", "Palermo", 8, 1340, ("food", "culture", "islands"),
     "Arancini, Noto's baroque towns and the slopes of Etna."),
    ("Rome Through the Ages", "Italy", "Rome", 4, 940, ("city", "history"),
     "The Colosseum, the Vatican and evenings in Trastevere."),
    ("Provence Lavender Cycling", "France", "Avignon", 6, 1420, ("cycling", "food"),
     "Ride past lavender fields, hill villages and the Pont du Gard."),
    ("Mont Blanc Circuit", "France", "Chamonix", 11, 1990, ("hiking", "mountains"),
     "The Tour du Mont Blanc through France, Italy and Switzerland."),
    ("Paris Art and Patisserie", "France", "Paris", 4, 1090, ("city", "art", "food"),
     "The Louvre, Montmartre studios and a croissant masterclass."),
    ("Iceland Ring Road Adventure", "Iceland", "Reykjavik", 9, 2590, ("road-trip", "nature"),
     "Waterfalls, glaciers, black beaches and hot springs around the island."),
    ("Northern Lights Hunt", "Iceland", "Akureyri", 5, 1790, ("nature", "winter"),
     "Chase the aurora borealis and soak in geothermal lagoons."),
    ("Norwegian Fjords Kayaking", "Norway", "Bergen", 7, 2290, ("kayaking", "nature", "sea"),
     "Paddle Nærøyfjord and camp beneath thundering waterfalls."),
    ("Lofoten Islands Photography", "Norway", "Svolvær", 6, 2090, ("photography", "islands"),
     "Red fishing cabins, sharp peaks and the midnight sun."),
    ("Scottish Highlands and Whisky", "United Kingdom", "Inverness", 6, 1380, ("road-trip", "whisky"),
     "Glencoe, Loch Ness and distillery tours on Speyside."),
    ("Cornwall Coast Path Walk", "United Kingdom", "Penzance", 7, 1150, ("hiking", "sea"),
     "Cliffs, coves and cream teas on the South West Coast Path."),
    ("Croatian Island Hopping", "Croatia", "Split", 8, 1490, ("sea", "islands", "sailing"),
     "Hvar, Vis and Korčula by boat, with swims in clear Adriatic water."),
    ("Plitvice Lakes and Zagreb", "Croatia", "Zagreb", 4, 790, ("nature", "city"),
     "Turquoise lakes linked by waterfalls, then Zagreb's cafés."),
    ("Greek Islands Sailing", "Greece", "Athens", 8, 1890, ("sea", "sailing", "islands"),
     "The Cyclades under sail: Paros, Naxos and sunset in Santorini."),
    ("Crete Gorges and Beaches", "Greece", "Chania", 7, 1190, ("hiking", "sea"),
     "Walk the Samaria Gorge and swim at Balos lagoon."),
    ("Cappadocia Balloons and Caves", "Turkey", "Göreme", 5, 1290, ("culture", "adventure"),
     "A sunrise balloon flight over fairy chimneys and cave churches."),
    ("Istanbul Bazaars and Bosphorus", "Turkey", "Istanbul", 4, 760, ("city", "food", "history"),
     "Hagia Sophia, the Grand Bazaar and a cruise on the Bosphorus."),
    ("Marrakech and the Sahara", "Morocco", "Marrakech", 7, 1090, ("desert", "culture"),
     "Souks of Marrakech, the Atlas passes and a night in a desert camp."),
    ("Atlas Mountains Trek", "Morocco", "Imlil", 6, 890, ("hiking", "mountains"),
     "Berber villages and the summit of Toubkal, North Africa's highest peak."),
    ("Kyoto Temples and Tea", "Japan", "Kyoto", 7, 2890, ("culture", "food"),
     "Zen gardens, a tea ceremony and lantern-lit Gion."),
    ("Japan Alps and Onsen", "Japan", "Matsumoto", 8, 3190, ("hiking", "mountains", "wellness"),
     "Kamikochi trails and hot-spring inns in the Northern Alps."),
    ("Peru Inca Trail to Machu Picchu", "Peru", "Cusco", 9, 2490, ("hiking", "history"),
     "Four days on the Inca Trail to the Sun Gate at dawn."),
    ("Patagonia W Trek", "Chile", "Puerto Natales", 8, 2790, ("hiking", "mountains", "nature"),
     "Torres del Paine: granite towers, glaciers and windswept lakes."),
    ("Costa Rica Rainforest and Volcanoes", "Costa Rica", "La Fortuna", 8, 1990, ("wildlife", "nature"),
     "Sloths, zip lines and the Arenal volcano."),
)


PICTURES = Path(__file__).resolve().parents[1] / ".data" / "demo-pictures"
PICTURES_VERSION = 1  # bump when demo_picture draws something else


def departure_offsets(index: int) -> list[int]:
    """Days from today of the `index`-th demo tour's departures: its own first date and rhythm, for months."""
    first, every = 3 + (index * 5) % 24, 21 + (index % 4) * 7
    return list(range(first, MONTHS_AHEAD * 30, every))


def demo_tour_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, slug)


def slug_of(title: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split()) + "-demo"


def sample_tour_id(index: int = 0) -> uuid.UUID:
    """The id of the demo tour `TOURS[index]`, whatever the database (ids are derived from slugs)."""
    return demo_tour_id(slug_of(TOURS[index][0]))


SAMPLE_DEPARTURE_ID = uuid.uuid5(_NAMESPACE, "sample-departure")


async def load_demo_data(uow: UnitOfWork, *, today: dt.date | None = None) -> None:
    """Restore the demo accounts and make sure the demo catalogue exists and is bookable."""
    for email, password, role, name in DEMO_ACCOUNTS:
        await user_services.ensure_user(uow, email=email, password=password, role=role, full_name=name)
    today = today or dt.datetime.now(dt.timezone.utc).date()
    now = dt.datetime.now(dt.timezone.utc)
    tours: list[dict[str, Any]] = []
    departures: list[dict[str, Any]] = []
    for title, country, city, days, euros, tags, description in TOURS:
        slug = slug_of(title)
        tour_id = demo_tour_id(slug)
        tours.append({
            "id": tour_id, "slug": slug, "title": title, "description": description, "country": country,
            "city": city, "duration_days": days, "price_cents": euros * 100, "currency": "EUR", "tags": list(tags),
            "is_published": True, "created_at": now - dt.timedelta(days=len(tours) * 3),
        })
        for n, offset in enumerate(departure_offsets(len(tours) - 1)):
            departures.append({
                "id": uuid.uuid5(tour_id, (today + dt.timedelta(days=offset)).isoformat()), "tour_id": tour_id,
                "starts_on": today + dt.timedelta(days=offset), "capacity": 12 + 4 * (n % 3),
            })
    departures.append({  # the first time only (by id): later loads leave it and its bookings alone
        "id": SAMPLE_DEPARTURE_ID, "tour_id": sample_tour_id(), "capacity": 16,
        "starts_on": today + dt.timedelta(days=SAMPLE_DEPARTURE_OFFSET),
    })
    await uow.session.execute(insert(Tour).values(tours).on_conflict_do_nothing())
    await uow.session.execute(insert(Departure).values(departures).on_conflict_do_nothing())
    await _reviews(uow, [tour["id"] for tour in tours], now)
    for tour in tours:
        tourcard.changing(uow, tour["id"], departures=True)
    await uow.commit()


async def _reviews(uow: UnitOfWork, tour_ids: list[uuid.UUID], now: dt.datetime) -> None:
    """Reviews by the demo travellers (0 to 6 per tour, by a fixed rule), then each tour's exact rating."""
    travellers = [{"id": uuid.uuid5(_NAMESPACE, name), "email": f"traveller-{n}@example.com", "full_name": name,
                   "role": "user", "is_active": True} for n, name in enumerate(TRAVELLERS, start=1)]
    await uow.session.execute(insert(User).values(travellers).on_conflict_do_nothing())
    reviews = []
    for index, tour_id in enumerate(tour_ids):
        for n, traveller in enumerate(travellers[: (index * 5 + 2) % (len(travellers) + 1)]):
            rating, text = REVIEW_TEXTS[(index + n * 2) % len(REVIEW_TEXTS)]
            reviews.append({"id": uuid.uuid5(tour_id, f"review-{n}"), "tour_id": tour_id, "user_id": traveller["id"],
                            "rating": rating, "text": text, "created_at": now - dt.timedelta(days=5 + index + 9 * n)})
    if reviews:
        await uow.session.execute(insert(Review).values(reviews).on_conflict_do_nothing())
    count = select(func.count()).where(Review.tour_id == Tour.id).scalar_subquery()
    total = select(func.coalesce(func.sum(Review.rating), 0)).where(Review.tour_id == Tour.id).scalar_subquery()
    await uow.session.execute(
        update(Tour).where(Tour.id.in_(tour_ids)).values(
            reviews_count=count, rating_sum=total,
            rating=case((count > 0, func.round(total.cast(Numeric) / count, 2)), else_=None),
        )
    )


async def load_demo_images(uow: UnitOfWork) -> int:
    """A generated picture for every demo tour, with its thumbnails, wherever the bucket lacks it.

    The bucket may be new while the database is not (moto keeps objects in memory only): the keys are fixed,
    so each start puts back what is missing and no more. Returns how many pictures were put.
    """
    from functions.thumbnails.make_thumbnails import render
    from shared.core import aws
    from shared.core.settings import get_settings
    from shared.thumbnails import services as thumbnails
    from shared.tours.images import TourImage

    client, bucket, put = aws.s3(), get_settings().uploads_bucket, 0
    for index, (title, *_rest) in enumerate(TOURS):
        tour_id = demo_tour_id(slug_of(title))
        image_id = uuid.uuid5(tour_id, "picture")
        key = f"tours/{tour_id}/{image_id}.jpg"
        if client.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount"):
            continue
        picture, sized = _rendered(index, key, render)
        client.put_object(Bucket=bucket, Key=key, Body=picture, ContentType="image/jpeg")
        made = thumbnails.store(key, sized)
        await uow.session.execute(insert(TourImage).values(
            id=image_id, tour_id=tour_id, key=key, content_type="image/jpeg", status="attached", thumbnails=made,
        ).on_conflict_do_update(index_elements=[TourImage.id], set_={"thumbnails": made}))
        tourcard.changing(uow, tour_id)
        await uow.commit()
        put += 1
    return put


def _rendered(index: int, key: str, render: Any) -> tuple[bytes, dict[int, bytes]]:
    """A demo picture and its thumbnails, made once and kept in .data/demo-pictures (each start of an in-memory
    S3 puts them back: drawing and resizing 35 pictures every time would slow every start by seconds)."""
    from shared.thumbnails import services as thumbnails

    folder = PICTURES / f"v{PICTURES_VERSION}"
    sizes = (thumbnails.target(key) or thumbnails.Target((), False)).sizes
    paths = {size: folder / f"{index}-{size}.webp" for size in sizes}
    original = folder / f"{index}.jpg"
    if original.exists() and all(path.exists() for path in paths.values()):
        return original.read_bytes(), {size: path.read_bytes() for size, path in paths.items()}
    picture = demo_picture(index)
    made: dict[int, bytes] = render(picture, thumbnails.target(key))
    folder.mkdir(parents=True, exist_ok=True)
    original.write_bytes(picture)
    for size, webp in made.items():
        paths[size].write_bytes(webp)
    return picture, made


def demo_picture(index: int, size: tuple[int, int] = (960, 600)) -> bytes:
    """A small landscape of the tour's own colours: sky, sun, three ridges (a JPEG of ~20 kB)."""
    import io
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(index)
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    top, bottom = ([rng.randint(60, 230) for _ in range(3)] for _ in range(2))
    image = Image.merge("RGB", [sky.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(top, bottom)])
    draw = ImageDraw.Draw(image)
    sun = (rng.randint(width // 8, width * 7 // 8), rng.randint(height // 10, height // 3))
    draw.ellipse((sun[0] - 40, sun[1] - 40, sun[0] + 40, sun[1] + 40), fill=(255, 236, 180))
    for layer in range(3):
        base = height * (5 + layer) // 9
        points = [(0, height)] + [(x, base - rng.randint(0, height // 4)) for x in range(0, width + 80, 80)]
        shade = tuple(max(0, c // (layer + 2)) for c in bottom)
        draw.polygon(points + [(width, height)], fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
