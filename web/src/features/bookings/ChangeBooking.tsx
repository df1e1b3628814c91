import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { formatDay, formatMoney } from "../../i18n/format";
import { useDepartures } from "../tours/queries";
import { useAttemptKey } from "./attemptKey";

type Booking = components["schemas"]["BookingOut"];
const MAX_SEATS = 10;

/** Change seats, travellers, note or date of a held or confirmed booking; a dearer change of a paid one
 * asks for a card token, a cheaper one is refunded by the policy (the server says how much). */
export function ChangeBooking({ booking }: { booking: Booking }) {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const departures = useDepartures(booking.tour_id);
  const dates = departures.data?.items.filter((d) => d.status === "open" && (d.seats_left > 0 || d.id === booking.departure_id)) ?? [];
  const [seatsText, setSeatsText] = useState(String(booking.seats));
  const [departureId, setDepartureId] = useState(booking.departure_id);
  const [names, setNames] = useState<string[]>(booking.travellers);
  const [note, setNote] = useState(booking.note ?? "");
  const [token, setToken] = useState("");
  const seats = Math.max(1, Math.min(MAX_SEATS, Number.parseInt(seatsText, 10) || 1));
  const travellers = Array.from({ length: seats }, (_, i) => names[i] ?? "");
  const body = {
    seats,
    departure_id: departureId,
    travellers: travellers.map((name) => name.trim()).filter(Boolean),
    note: note.trim(),
    ...(booking.status === "confirmed" && token.trim() ? { payment_token: token.trim() } : {}),
  };
  const key = useAttemptKey({ id: booking.id, version: booking.updated_at, body });
  const change = useMutation({
    mutationFn: async () => unwrap(await api.PATCH("/v1/bookings/{booking_id}", {
      params: { path: { booking_id: booking.id } }, body, headers: { "Idempotency-Key": key },
    })),
    onSuccess: async (changed) => {
      queries.setQueryData(["booking", changed.id], changed);
      await queries.invalidateQueries({ queryKey: ["bookings"] });
      await queries.invalidateQueries({ queryKey: ["departures"] });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!change.isPending) change.mutate();
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="change-heading">
      <h2 id="change-heading">{t("change.heading")}</h2>
      <label>{t("booking.departure")}
        <select value={departureId} onChange={(e) => setDepartureId(e.target.value)}>
          {dates.map((d) => (
            <option key={d.id} value={d.id}>
              {t("booking.departureOption", { date: formatDay(d.starts_on, i18n.language),
                price: formatMoney(d.price_cents, d.currency, i18n.language), count: d.seats_left })}
            </option>
          ))}
        </select>
      </label>
      <label>{t("booking.seats")}
        <input type="number" min={1} max={MAX_SEATS} value={seatsText} onChange={(e) => setSeatsText(e.target.value)} required />
      </label>
      <fieldset>
        <legend>{t("booking.travellers")}</legend>
        {travellers.map((name, index) => (
          <label key={index}>{t("booking.traveller", { number: index + 1 })}
            <input value={name} maxLength={200} autoComplete="off"
              onChange={(e) => setNames(travellers.map((old, i) => (i === index ? e.target.value : old)))} />
          </label>
        ))}
      </fieldset>
      <label>{t("booking.note")}
        <textarea value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
      </label>
      {booking.status === "confirmed" && (
        <label>{t("change.cardToken")}
          <input value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" aria-describedby="change-hint" />
        </label>
      )}
      {booking.status === "confirmed" && <p id="change-hint" className="hint">{t("change.hint")}</p>}
      <ProblemMessage error={change.error} />
      {change.isSuccess && <p role="status">{t("change.saved")}</p>}
      <button type="submit" disabled={change.isPending}>{change.isPending ? t("change.saving") : t("change.submit")}</button>
    </form>
  );
}
