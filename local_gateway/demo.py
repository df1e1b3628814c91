"""Demo data for the run command and compose: the two demo accounts and a small real catalogue.

Loading is idempotent and touches nothing else: accounts are restored (role, active, password),
tours are added once (by slug), and every tour gets departures in the coming months, so the
catalogue stays bookable however long ago it was first loaded.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from shared.core.uow import UnitOfWork
from shared.tours import readmodel
from shared.tours.models import Departure, Tour
from shared.users import services as user_services

DEMO_ACCOUNTS = (
    ("admin@example.com", "admin-password", "admin", "Demo Admin"),
    ("user@example.com", "user-password", "user", "Demo User"),
)
_NAMESPACE = uuid.UUID("5b0f3c1e-7d2a-4c8e-9a41-0d3e6f9b2c77")
DEPARTURE_OFFSETS = (9, 23, 44, 72, 110)
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
    tours: list[dict[str, Any]] = []
    departures: list[dict[str, Any]] = []
    for title, country, city, days, euros, tags, description in TOURS:
        slug = slug_of(title)
        tour_id = demo_tour_id(slug)
        tours.append({
            "id": tour_id, "slug": slug, "title": title, "description": description, "country": country,
            "city": city, "duration_days": days, "price_cents": euros * 100, "currency": "EUR", "tags": list(tags),
            "is_published": True,
        })
        for n, offset in enumerate(DEPARTURE_OFFSETS):
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
    await uow.commit()
    for tour in tours:
        await readmodel.tour_changed(uow, tour["id"], departures=True)
