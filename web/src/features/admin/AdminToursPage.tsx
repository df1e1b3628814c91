import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatMoney } from "../../i18n/format";

export function AdminToursPage() {
  const { t } = useTranslation();
  return (
    <RequireUser roles={["admin"]}>
      <Page title={t("admin.tours")}>
        <p><Link to="/admin/tours/new">{t("admin.newTour")}</Link></p>
        <OpenTour />
        <TourList />
      </Page>
    </RequireUser>
  );
}

/** Drafts are not in the public list: an admin opens one by its id or slug (GET /v1/tours/{id} shows drafts to admins). */
function OpenTour() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget).get("tour")).trim();
    if (id) void navigate(`/admin/tours/${encodeURIComponent(id)}`);
  }
  return (
    <form onSubmit={submit} className="inline" aria-label={t("admin.openTour")}>
      <label>{t("admin.tourIdOrSlug")}<input name="tour" required /></label>
      <button type="submit">{t("admin.open")}</button>
    </form>
  );
}

function TourList() {
  const { t, i18n } = useTranslation();
  const [params] = useSearchParams();
  const cursor = params.get("cursor") ?? undefined;
  const tours = useQuery({
    queryKey: ["tours", "admin", cursor],
    queryFn: async () => unwrap(await api.GET("/v1/tours", { params: { query: { cursor, limit: 50 } } })),
  });
  return (
    <>
      <ProblemMessage error={tours.error} />
      <table>
        <caption>{t("admin.publishedTours")}</caption>
        <thead><tr><th scope="col">{t("fields.title")}</th><th scope="col">{t("fields.country")}</th><th scope="col">{t("tour.price")}</th></tr></thead>
        <tbody>
          {tours.data?.items.map((tour) => (
            <tr key={tour.id}>
              <td><Link to={`/admin/tours/${tour.id}`}>{tour.title}</Link></td>
              <td>{tour.country}</td>
              <td>{formatMoney(tour.price_cents, tour.currency, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager nextCursor={tours.data?.next_cursor} />
    </>
  );
}
