import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { TourCard } from "./TourCard";
import { fromForm, SORTS, toTourQuery } from "./searchParams";

export function SearchPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const query = toTourQuery(params);
  const tours = useQuery({
    queryKey: ["tours", query],
    queryFn: async () => unwrap(await api.GET("/v1/tours", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setParams(fromForm(new FormData(event.currentTarget)));
  }

  const value = (name: string) => params.get(name) ?? "";
  return (
    <Page title={t("search.title")}>
      <form role="search" className="filters" onSubmit={search} key={params.toString()}>
        <label>{t("search.q")}<input name="q" type="search" defaultValue={value("q")} /></label>
        <label>{t("search.country")}<input name="country" defaultValue={value("country")} /></label>
        <label>{t("search.dateFrom")}<input name="date_from" type="date" defaultValue={value("date_from")} /></label>
        <label>{t("search.dateTo")}<input name="date_to" type="date" defaultValue={value("date_to")} /></label>
        <label>{t("search.seats")}<input name="seats" type="number" min={1} max={1000} defaultValue={value("seats")} /></label>
        <label>{t("search.minPrice")}<input name="min_price" type="number" min={0} step="any" defaultValue={value("min_price")} /></label>
        <label>{t("search.maxPrice")}<input name="max_price" type="number" min={0} step="any" defaultValue={value("max_price")} /></label>
        <label>{t("search.sort")}
          <select name="sort" defaultValue={value("sort") || SORTS[0]}>
            {SORTS.map((sort) => <option key={sort} value={sort}>{t(`search.sorts.${sort}`)}</option>)}
          </select>
        </label>
        <button type="submit">{t("search.submit")}</button>
      </form>
      <ProblemMessage error={tours.error} />
      {tours.isPending && <p role="status">{t("common.loading")}</p>}
      {tours.data && (
        <>
          <p role="status">{t("search.results", { count: tours.data.items.length })}</p>
          <div className="cards">
            {tours.data.items.map((tour) => <TourCard key={tour.id} tour={tour} />)}
          </div>
          <Pager nextCursor={tours.data.next_cursor} />
        </>
      )}
    </Page>
  );
}
