"""The demo catalogue people judge the product by: pictures with thumbnails, reviews, departures for months."""
from __future__ import annotations

import httpx

from local_gateway import demo
from shared.core.uow import UnitOfWork
from shared.tours import services
from shared.tours.schemas import ToursQuery


async def test_every_sort_shows_something_and_each_tour_has_a_picture(uow: UnitOfWork, aws: str) -> None:
    await demo.load_demo_data(uow)
    await demo.load_demo_images(uow)  # puts what the bucket lacks (another test may have put some)
    assert await demo.load_demo_images(uow) == 0  # all there: nothing is put twice
    await demo.load_demo_data(uow)  # loading again changes nothing and keeps the ratings exact
    ids = {demo.sample_tour_id(index) for index in range(len(demo.TOURS))}
    tours = [await services.get_tour(uow, tour_id=tour_id, is_admin=False) for tour_id in ids]
    rated = [tour for tour in tours if tour.rating is not None]
    assert len(rated) >= len(tours) // 2 and len({tour.rating for tour in rated}) >= 4
    assert all(1 <= (tour.rating or 1) <= 5 and tour.reviews_count <= len(demo.TRAVELLERS) for tour in tours)
    assert all(tour.next_departure is not None for tour in tours)
    for tour in tours[:3]:
        assert len(tour.images) == 1 and set(tour.images[0].thumbnails) == {"320", "800"}
        assert httpx.get(tour.images[0].thumbnails["320"], timeout=10).headers["content-type"] == "image/webp"
    page = await services.list_tours(uow, query=ToursQuery(sort="-rating", limit=3))
    assert all(tour.rating is not None for tour in page.items)


def test_departures_spread_over_the_coming_months() -> None:
    offsets = [demo.departure_offsets(index) for index in range(len(demo.TOURS))]
    assert all(len(days) >= 4 and max(days) > 120 for days in offsets)
    assert len({days[0] for days in offsets}) >= 10  # tours leave on dates of their own, not all on the same days
