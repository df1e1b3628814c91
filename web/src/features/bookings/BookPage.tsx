import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatDay, formatMoney } from "../../i18n/format";
import { useDepartures, useTour } from "../tours/queries";
import { useAttemptKey } from "./attemptKey";
import { JoinWaitlist } from "./Waitlist";

const MAX_SEATS = 10;

export function BookPage() {
  return <RequireUser><BookingForm /></RequireUser>;
}

function BookingForm() {
  const { t, i18n } = useTranslation();
  const { tourId = "" } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const tour = useTour(tourId);
  const departures = useDepartures(tour.data?.id);
  const open = departures.data?.items.filter((d) => d.status === "open" && d.seats_left > 0) ?? [];
  const soldOut = departures.data?.items.filter((d) => d.status === "open" && d.seats_left === 0) ?? [];
  const [departureId, setDepartureId] = useState(params.get("departure") ?? "");
  // What the person typed stays as typed; the request uses it within 1..10 (and the departure's seats left).
  const [seatsText, setSeatsText] = useState("1");
  const [names, setNames] = useState<string[]>([]);
  const [note, setNote] = useState("");
  const chosen = open.find((d) => d.id === departureId) ?? open[0];
  const seats = Math.max(1, Math.min(MAX_SEATS, Number.parseInt(seatsText, 10) || 1));
  const travellers = Array.from({ length: seats }, (_, i) => names[i] ?? "");
  const body = {
    departure_id: chosen?.id ?? "",
    seats,
    travellers: travellers.map((name) => name.trim()).filter(Boolean),
    ...(note.trim() ? { note: note.trim() } : {}),
  };
  const key = useAttemptKey(body);
  const book = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/bookings", { body, headers: { "Idempotency-Key": key } })),
    onSuccess: async (booking) => {
      await queries.invalidateQueries({ queryKey: ["departures"] });
      await navigate(`/bookings/${booking.id}`);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!book.isPending) book.mutate();
  }

  function rename(index: number, name: string) {
    setNames(Array.from({ length: Math.max(names.length, index + 1) }, (_, i) => (i === index ? name : names[i] ?? "")));
  }

  if (!tour.data || !departures.data) return <p role="status">{t("common.loading")}</p>;
  return (
    <Page title={t("booking.title", { title: tour.data.title })}>
      {open.length === 0 && <p role="alert">{t("booking.noSeats")}</p>}
      <form onSubmit={submit} className="stack">
        <label>{t("booking.departure")}
          <select value={chosen?.id ?? ""} onChange={(e) => setDepartureId(e.target.value)} required>
            {open.map((d) => (
              <option key={d.id} value={d.id}>
                {t("booking.departureOption", {
                  date: formatDay(d.starts_on, i18n.language),
                  price: formatMoney(d.price_cents, d.currency, i18n.language),
                  count: d.seats_left,
                })}
              </option>
            ))}
          </select>
        </label>
        <label>{t("booking.seats")}
          <input type="number" min={1} max={Math.min(MAX_SEATS, chosen?.seats_left ?? MAX_SEATS)} value={seatsText}
            onChange={(e) => setSeatsText(e.target.value)} required />
        </label>
        <fieldset>
          <legend>{t("booking.travellers")}</legend>
          {travellers.map((name, index) => (
            <label key={index}>{t("booking.traveller", { number: index + 1 })}
              <input value={name} maxLength={200} autoComplete="off" onChange={(e) => rename(index, e.target.value)} />
            </label>
          ))}
        </fieldset>
        <label>{t("booking.note")}
          <textarea value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
        </label>
        {chosen && (
          <p>{t("booking.total", { price: formatMoney(chosen.price_cents * seats, chosen.currency, i18n.language) })}</p>
        )}
        <ProblemMessage error={book.error} />
        <button type="submit" disabled={!chosen || book.isPending}>
          {book.isPending ? t("booking.booking") : t("booking.submit")}
        </button>
      </form>
      <JoinWaitlist departures={soldOut} />
    </Page>
  );
}
