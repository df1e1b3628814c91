import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { formatDay, toMinorUnits } from "../../i18n/format";
import { useDepartures } from "../tours/queries";

type Departure = components["schemas"]["DepartureOut"];

export function DeparturesEditor({ tourId }: { tourId: string }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const departures = useDepartures(tourId);
  const create = useMutation({
    mutationFn: async (body: components["schemas"]["DepartureCreate"]) => unwrap(await api.POST(
      "/v1/tours/{tour_id}/departures", { params: { path: { tour_id: tourId } }, body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["departures", tourId] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const price = String(form.get("price") ?? "").trim();
    const currency = departures.data?.items[0]?.currency ?? "EUR";
    create.mutate({
      starts_on: String(form.get("starts_on")),
      capacity: Number(form.get("capacity")),
      ...(price ? { price_cents: toMinorUnits(Number(price), currency) } : {}),
    });
  }

  return (
    <section aria-labelledby="departures-heading">
      <h2 id="departures-heading">{t("tour.departures")}</h2>
      <ProblemMessage error={departures.error} />
      <ul className="list">
        {departures.data?.items.map((departure) => <DepartureRow key={departure.id} departure={departure} />)}
      </ul>
      <form onSubmit={submit} className="stack" aria-label={t("admin.newDeparture")}>
        <h3>{t("admin.newDeparture")}</h3>
        <label>{t("fields.starts_on")}<input name="starts_on" type="date" required /></label>
        <label>{t("fields.capacity")}<input name="capacity" type="number" min={1} max={1000} required /></label>
        <label>{t("admin.priceOverride")}<input name="price" type="number" min={0.01} step="0.01" /></label>
        <ProblemMessage error={create.error} />
        <button type="submit" disabled={create.isPending}>{t("admin.addDeparture")}</button>
      </form>
    </section>
  );
}

function DepartureRow({ departure }: { departure: Departure }) {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const path = { departure_id: departure.id };
  const done = () => queries.invalidateQueries({ queryKey: ["departures", departure.tour_id] });
  const update = useMutation({
    mutationFn: async (body: components["schemas"]["DepartureUpdate"]) =>
      unwrap(await api.PATCH("/v1/departures/{departure_id}", { params: { path }, body })),
    onSuccess: done,
  });
  const cancel = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/departures/{departure_id}", { params: { path } })),
    onSuccess: done,
  });
  const day = formatDay(departure.starts_on, i18n.language);

  function saveCapacity(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ capacity: Number(new FormData(event.currentTarget).get("capacity")) });
  }

  return (
    <li aria-label={day}>
      <strong>{day}</strong> · {t(`departure.status.${departure.status}`)} · {t("admin.seatsLeftOf", { left: departure.seats_left, capacity: departure.capacity })}
      {departure.status !== "cancelled" && (
        <>
          <form onSubmit={saveCapacity} className="inline">
            <label>{t("fields.capacity")}<input name="capacity" type="number" min={1} max={1000} defaultValue={departure.capacity} /></label>
            <button type="submit" disabled={update.isPending}>{t("common.save")}</button>
          </form>
          <button type="button" disabled={update.isPending}
            onClick={() => update.mutate({ status: departure.status === "open" ? "closed" : "open" })}>
            {departure.status === "open" ? t("admin.close") : t("admin.reopen")}
          </button>
          <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {t("admin.cancelDeparture")}
          </button>
        </>
      )}
      <ProblemMessage error={update.error ?? cancel.error} />
    </li>
  );
}
