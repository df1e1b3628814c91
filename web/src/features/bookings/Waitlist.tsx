import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { formatDay } from "../../i18n/format";

type Departure = components["schemas"]["DepartureOut"];

/** Sold-out dates of a tour, each with a way to wait for seats. */
export function JoinWaitlist({ departures }: { departures: Departure[] }) {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const [seats, setSeats] = useState("1");
  const join = useMutation({
    mutationFn: async (departureId: string) => unwrap(await api.POST("/v1/departures/{departure_id}/waitlist", {
      params: { path: { departure_id: departureId } },
      body: { seats: Math.max(1, Math.min(10, Number.parseInt(seats, 10) || 1)) },
    })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["waitlist"] }),
  });
  if (departures.length === 0) return null;
  return (
    <section aria-labelledby="waitlist-heading" className="stack">
      <h2 id="waitlist-heading">{t("waitlist.heading")}</h2>
      <p>{t("waitlist.explain")}</p>
      <label>{t("waitlist.seats")}
        <input type="number" min={1} max={10} value={seats} onChange={(e) => setSeats(e.target.value)} />
      </label>
      <ul className="list">
        {departures.map((d) => (
          <li key={d.id}>
            {formatDay(d.starts_on, i18n.language)}{" "}
            <button type="button" disabled={join.isPending} onClick={() => join.mutate(d.id)}
              aria-label={t("waitlist.joinOn", { date: formatDay(d.starts_on, i18n.language) })}>
              {t("waitlist.join")}
            </button>
          </li>
        ))}
      </ul>
      {join.data && <p role="status">{t("waitlist.joined", { position: join.data.position ?? 1 })}</p>}
      <ProblemMessage error={join.error} />
    </section>
  );
}

/** The caller's waitlist entries: their place in the queue, the booking an offer made, a way to leave. */
export function MyWaitlist() {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const entries = useQuery({
    queryKey: ["waitlist"],
    queryFn: async () => unwrap(await api.GET("/v1/users/me/waitlist", { params: { query: { limit: 50 } } })),
  });
  const leave = useMutation({
    mutationFn: async (entryId: string) => unwrap(await api.DELETE("/v1/waitlist/{entry_id}", {
      params: { path: { entry_id: entryId } },
    })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["waitlist"] }),
  });
  if (!entries.data?.items.length) return <ProblemMessage error={entries.error} />;
  return (
    <section aria-labelledby="my-waitlist-heading">
      <h2 id="my-waitlist-heading">{t("waitlist.mine")}</h2>
      <ul className="list">
        {entries.data.items.map((entry) => (
          <li key={entry.id}>
            {formatDay(entry.created_at.slice(0, 10), i18n.language)} · {t("bookings.seatsCount", { count: entry.seats })} ·{" "}
            {entry.status === "waiting" ? t("waitlist.position", { position: entry.position }) : t("waitlist.offered")}
            {entry.booking_id && <> <Link to={`/bookings/${entry.booking_id}`}>{t("waitlist.openOffer")}</Link></>}
            {entry.status === "waiting" && (
              <button type="button" disabled={leave.isPending} onClick={() => leave.mutate(entry.id)}>{t("waitlist.leave")}</button>
            )}
          </li>
        ))}
      </ul>
      <ProblemMessage error={leave.error} />
    </section>
  );
}
