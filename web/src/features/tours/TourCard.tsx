import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { components } from "../../api/schema";
import { formatDay, formatMoney } from "../../i18n/format";

type Tour = components["schemas"]["TourOut"];

export function TourCard({ tour }: { tour: Tour }) {
  const { t, i18n } = useTranslation();
  const image = tour.images?.[0]?.thumbnails["320"] ?? tour.image_urls[0];
  return (
    <article className="card" aria-labelledby={`tour-${tour.id}`}>
      {image && <img src={image} alt="" width={320} height={200} loading="lazy" />}
      <h2 id={`tour-${tour.id}`}><Link to={`/tours/${tour.slug}`}>{tour.title}</Link></h2>
      <p>{tour.city}, {tour.country} · {t("tour.days", { count: tour.duration_days })}</p>
      <p className="price">{t("tour.from", { price: formatMoney(tour.price_cents, tour.currency, i18n.language) })}</p>
      {tour.rating !== null && <p>{t("tour.rating", { rating: tour.rating.toFixed(1), count: tour.reviews_count })}</p>}
      {tour.next_departure && (
        <p>{t("tour.nextDeparture", {
          date: formatDay(tour.next_departure.starts_on, i18n.language),
          count: tour.next_departure.seats_left,
        })}</p>
      )}
    </article>
  );
}
