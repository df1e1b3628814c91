"""Large synthetic catalogues for benchmarks: `python -m local_gateway.seed --tours 100000 --departures 10`.

Rows go in with PostgreSQL's COPY in batches, with a progress bar, in one transaction: the secondary indexes of
`tour` and `departure` and the departures' foreign key are dropped first and made again once every row is in (one
sort per index instead of an update per row; the key checked by one join), so a failed run leaves the database as
it was. The next batch is generated in a thread while the current one is copied. Names, places, tags and prices
are drawn from fixed lists with a fixed random seed, so two runs with the same arguments make the same kind of
catalogue. `make seed N=1000000` (10 departures each) is 11 million rows.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import make_url

PLACES = {
    "Portugal": ["Lisbon", "Porto", "Faro", "Madeira"], "Spain": ["Madrid", "Seville", "Granada", "Bilbao"],
    "Italy": ["Rome", "Florence", "Naples", "Turin"], "France": ["Paris", "Lyon", "Nice", "Bordeaux"],
    "Greece": ["Athens", "Crete", "Rhodes"], "Croatia": ["Split", "Dubrovnik", "Zagreb"],
    "Iceland": ["Reykjavik", "Akureyri"], "Norway": ["Bergen", "Tromsø", "Oslo"],
    "Japan": ["Kyoto", "Tokyo", "Sapporo", "Osaka"], "Peru": ["Cusco", "Lima", "Arequipa"],
    "Chile": ["Santiago", "Puerto Natales"], "Morocco": ["Marrakech", "Fes", "Essaouira"],
    "Turkey": ["Istanbul", "Göreme", "Antalya"], "Vietnam": ["Hanoi", "Hoi An", "Ho Chi Minh City"],
    "Thailand": ["Bangkok", "Chiang Mai", "Krabi"], "Kenya": ["Nairobi", "Mombasa"],
    "Tanzania": ["Arusha", "Zanzibar"], "Mexico": ["Oaxaca", "Mexico City", "Cancún"],
    "Canada": ["Banff", "Vancouver", "Quebec"], "New Zealand": ["Queenstown", "Auckland"],
}
ACTIVITIES = ["hiking", "cycling", "kayaking", "sailing", "food", "wine", "photography", "wildlife", "culture",
              "history", "diving", "skiing", "yoga", "climbing", "safari", "birdwatching", "rafting", "surfing",
              "architecture", "markets"]
ADJECTIVES = ["Grand", "Hidden", "Wild", "Classic", "Slow", "Coastal", "Alpine", "Ancient", "Secret", "Golden",
              "Northern", "Southern", "Rugged", "Gentle", "Epic", "Quiet"]
NOUNS = ["Trail", "Journey", "Escape", "Circuit", "Discovery", "Expedition", "Odyssey", "Retreat", "Loop",
         "Crossing"]
WORDS = ["river", "valley", "canyon", "glacier", "volcano", "lagoon", "forest", "desert", "island", "temple",
         "village", "harbour", "castle", "vineyard", "waterfall", "summit", "reef", "market", "monastery", "fjord"]
TOUR_COLUMNS = ["id", "slug", "title", "description", "country", "city", "duration_days", "price_cents",
                "currency", "tags", "is_published", "created_at", "updated_at"]
DEPARTURE_COLUMNS = ["id", "tour_id", "starts_on", "capacity", "seats_taken", "status"]


def tours(count: int, rng: random.Random, now: dt.datetime) -> Iterator[tuple[Any, ...]]:
    countries = list(PLACES)
    for n in range(count):
        country = rng.choice(countries)
        city = rng.choice(PLACES[country])
        tags = rng.sample(ACTIVITIES, rng.randint(1, 4))
        title = f"{rng.choice(ADJECTIVES)} {city} {tags[0].title()} {rng.choice(NOUNS)}"
        description = (f"{rng.randint(2, 14)} days of {', '.join(tags)} around {city}: the {rng.choice(WORDS)}, "
                       f"the {rng.choice(WORDS)} and the {rng.choice(WORDS)} of {country}.")
        created = now - dt.timedelta(seconds=rng.randint(0, 730 * 86400))
        yield (uuid.uuid4(), f"synthetic-{n}-{uuid.uuid4().hex[:6]}", title, description, country, city,
               rng.randint(2, 14), rng.randint(200, 5000) * 100, "EUR", tags, rng.random() > 0.02, created, created)


def departures(tour_ids: list[uuid.UUID], per_tour: int, rng: random.Random, today: dt.date
               ) -> Iterator[tuple[Any, ...]]:
    for tour_id in tour_ids:
        for offset in rng.sample(range(1, 366), per_tour):
            capacity = rng.randint(8, 40)
            status = "closed" if rng.random() < 0.05 else "open"
            yield (uuid.uuid4(), tour_id, today + dt.timedelta(days=offset), capacity,
                   rng.randint(0, capacity * 4 // 5), status)


async def seed(database_url: str, *, tour_count: int, per_tour: int, batch: int = 5000, seed_value: int = 7) -> None:
    import asyncpg
    from tqdm import tqdm

    rng = random.Random(seed_value)
    now = dt.datetime.now(dt.timezone.utc)
    connection = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(False))
    rows = tours(tour_count, rng, now)

    def generate() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        chunk = [row for _, row in zip(range(batch), rows)]
        return chunk, list(departures([row[0] for row in chunk], per_tour, rng, now.date()))

    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL synchronous_commit = off")
            deferred = await _drop_indexes(connection)
            with tqdm(total=tour_count * (1 + per_tour), unit="row", unit_scale=True, desc="seeding",
                      file=sys.stderr) as bar:
                chunk, planned = generate()
                while chunk:
                    following = asyncio.create_task(asyncio.to_thread(generate))  # while this batch is copied
                    await connection.copy_records_to_table("tour", records=chunk, columns=TOUR_COLUMNS)
                    await connection.copy_records_to_table("departure", records=planned, columns=DEPARTURE_COLUMNS)
                    bar.update(len(chunk) + len(planned))
                    chunk, planned = await following
            for statement in tqdm(deferred, unit="index", desc="indexing", file=sys.stderr):
                await connection.execute(statement)
        await connection.execute("ANALYZE tour; ANALYZE departure")
    finally:
        await connection.close()


async def _drop_indexes(connection: Any) -> list[str]:
    """Drop the secondary indexes of the two tables and the departures' foreign key; the statements that make
    them again (primary keys and unique constraints stay: they keep the rows right while they go in)."""
    indexes = await connection.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i "
        "WHERE i.indrelid IN ('tour'::regclass, 'departure'::regclass) AND NOT i.indisprimary AND NOT i.indisunique")
    keys = await connection.fetch(
        "SELECT conname, conrelid::regclass::text AS tab, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE conrelid = 'departure'::regclass AND contype = 'f'")
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["name"]}"')
    for key in keys:
        await connection.execute(f'ALTER TABLE {key["tab"]} DROP CONSTRAINT "{key["conname"]}"')
    return [index["definition"] for index in indexes] + [
        f'ALTER TABLE {key["tab"]} ADD CONSTRAINT "{key["conname"]}" {key["definition"]}' for key in keys]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_gateway.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--tours", type=int, default=10_000)
    parser.add_argument("--departures", type=int, default=10, help="departures per tour (at most 365)")
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the embedded PostgreSQL of make run")
    args = parser.parse_args(argv)
    url = args.database_url or _database_url()
    asyncio.run(seed(url, tour_count=args.tours, per_tour=min(args.departures, 365)))
    print(f"seeded {args.tours} tours and {args.tours * args.departures} departures", file=sys.stderr)
    return 0


def _database_url() -> str:
    import os
    from pathlib import Path

    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from local_gateway.embedded import start_postgres

    return start_postgres(Path(".data/pg"))


if __name__ == "__main__":
    sys.exit(main())
