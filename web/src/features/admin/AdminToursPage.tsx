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

/** An admin opens a tour by its id or slug (GET /v1/tours/{id-or-slug} shows drafts to admins). */
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

/** Every tour that is not archived, drafts included (GET /v1/admin/tours), searchable and filtered by status. */
function TourList() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const cursor = params.get("cursor") ?? undefined;
  const q = params.get("q") ?? undefined;
  const status = params.get("is_published");
  const isPublished = status === null ? undefined : status === "true";
  const tours = useQuery({
    queryKey: ["tours", "admin", q, status, cursor],
    queryFn: async () => unwrap(await api.GET("/v1/admin/tours", {
      params: { query: { q, is_published: isPublished, cursor, limit: 50 } },
    })),
  });

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    const words = String(form.get("q")).trim();
    if (words) next.set("q", words);
    if (form.get("is_published")) next.set("is_published", String(form.get("is_published")));
    setParams(next);
  }

  return (
    <>
      <form role="search" onSubmit={search} className="inline" key={params.toString()}>
        <label>{t("admin.searchTours")}<input name="q" type="search" defaultValue={q} /></label>
        <label>{t("admin.status")}
          <select name="is_published" defaultValue={status ?? ""}>
            <option value="">{t("admin.anyStatus")}</option>
            <option value="true">{t("admin.published")}</option>
            <option value="false">{t("admin.draft")}</option>
          </select>
        </label>
        <button type="submit">{t("admin.filter")}</button>
      </form>
      <ProblemMessage error={tours.error} />
      <table>
        <caption>{t("admin.allTours")}</caption>
        <thead><tr><th scope="col">{t("fields.title")}</th><th scope="col">{t("admin.status")}</th><th scope="col">{t("fields.country")}</th><th scope="col">{t("tour.price")}</th></tr></thead>
        <tbody>
          {tours.data?.items.map((tour) => (
            <tr key={tour.id}>
              <td><Link to={`/admin/tours/${tour.id}`}>{tour.title}</Link></td>
              <td>{tour.is_published ? t("admin.published") : t("admin.draft")}</td>
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
