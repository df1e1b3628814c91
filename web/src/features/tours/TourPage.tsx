import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { formatDay, formatMoney } from "../../i18n/format";
import { FavouriteButton } from "../favourites/FavouriteButton";
import { useDepartures, useTour } from "./queries";

export function TourPage() {
  const { t, i18n } = useTranslation();
  const { tourId = "" } = useParams();
  const tour = useTour(tourId);
  const id = tour.data?.id;
  const departures = useDepartures(id);
  const reviews = useQuery({
    queryKey: ["reviews", id],
    queryFn: async () => unwrap(await api.GET("/v1/tours/{tour_id}/reviews", {
      params: { path: { tour_id: id! }, query: { limit: 20 } },
    })),
    enabled: Boolean(id),
  });

  if (tour.error) return <Page title={t("tour.notFound")}><ProblemMessage error={tour.error} /></Page>;
  if (!tour.data) return <p role="status">{t("common.loading")}</p>;
  const data = tour.data;
  return (
    <Page title={data.title}>
      <p>{data.city}, {data.country} · {t("tour.days", { count: data.duration_days })} · {" "}
        {t("tour.from", { price: formatMoney(data.price_cents, data.currency, i18n.language) })}</p>
      <p>{data.rating === null ? t("tour.noRating") : t("tour.rating", { rating: data.rating.toFixed(1), count: data.reviews_count })}</p>
      <FavouriteButton tourId={data.id} />
      <div className="gallery">
        {(data.images ?? []).map((image, index) => (
          <a key={image.id} href={image.url}>
            <img src={image.thumbnails["800"] ?? image.url} alt={t("tour.image", { title: data.title, number: index + 1 })}
              width={480} height={300} />
          </a>
        ))}
      </div>
      <p className="description">{data.description}</p>

      <h2>{t("tour.departures")}</h2>
      <ProblemMessage error={departures.error} />
      <table>
        <thead><tr><th scope="col">{t("tour.date")}</th><th scope="col">{t("tour.price")}</th><th scope="col">{t("tour.seatsLeft")}</th><th scope="col"><span className="visually-hidden">{t("tour.book")}</span></th></tr></thead>
        <tbody>
          {departures.data?.items.map((departure) => (
            <tr key={departure.id}>
              <td>{formatDay(departure.starts_on, i18n.language)}</td>
              <td>{formatMoney(departure.price_cents, departure.currency, i18n.language)}</td>
              <td>{departure.status === "open" ? departure.seats_left : t(`departure.status.${departure.status}`)}</td>
              <td>{departure.status === "open" && departure.seats_left > 0 && (
                <Link to={`/tours/${data.id}/book?departure=${departure.id}`}
                  aria-label={t("tour.bookOn", { date: formatDay(departure.starts_on, i18n.language) })}>{t("tour.book")}</Link>
              )}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {departures.data?.items.length === 0 && <p>{t("tour.noDepartures")}</p>}

      <h2>{t("tour.reviews")}</h2>
      {reviews.data?.items.length === 0 && <p>{t("tour.noReviews")}</p>}
      {reviews.data?.items.map((review) => (
        <article key={review.id} className="review" aria-label={review.author_name}>
          <h3>{review.author_name} · {t("tour.stars", { count: review.rating })}</h3>
          <p>{review.text}</p>
        </article>
      ))}
    </Page>
  );
}
