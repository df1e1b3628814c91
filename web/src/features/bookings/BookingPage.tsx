import { useCallback, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatDay, formatMoney, formatMoment } from "../../i18n/format";
import { useTour } from "../tours/queries";
import { useAttemptKey } from "./attemptKey";
import { ChangeBooking } from "./ChangeBooking";
import { Countdown } from "./Countdown";
import { useBooking, useCancelBooking } from "./queries";
import { TicketQr } from "./TicketQr";

export function BookingPage() {
  return <RequireUser><BookingDetails /></RequireUser>;
}

function BookingDetails() {
  const { t, i18n } = useTranslation();
  const { bookingId = "" } = useParams();
  const booking = useBooking(bookingId);
  const tour = useTour(booking.data?.tour_id ?? "");
  const cancel = useCancelBooking();
  const queries = useQueryClient();
  const refetch = useCallback(() => void queries.invalidateQueries({ queryKey: ["booking", bookingId] }), [queries, bookingId]);

  if (booking.error) return <Page title={t("booking.notFound")}><ProblemMessage error={booking.error} /></Page>;
  if (!booking.data) return <p role="status">{t("common.loading")}</p>;
  const data = booking.data;
  const active = data.status === "pending" || data.status === "confirmed";
  return (
    <Page title={tour.data ? t("booking.of", { title: tour.data.title }) : t("booking.heading")}>
      <dl className="facts">
        <dt>{t("booking.status")}</dt><dd>{t(`booking.statuses.${data.status}`)}</dd>
        <dt>{t("booking.date")}</dt><dd>{formatDay(data.starts_on, i18n.language)}</dd>
        <dt>{t("booking.seats")}</dt><dd>{data.seats}</dd>
        <dt>{t("booking.totalLabel")}</dt><dd>{formatMoney(data.total_cents, data.currency, i18n.language)}</dd>
        {data.travellers.length > 0 && <><dt>{t("booking.travellers")}</dt><dd>{data.travellers.join(", ")}</dd></>}
        {data.paid_cents > 0 && <><dt>{t("booking.paid")}</dt><dd>{formatMoney(data.paid_cents, data.currency, i18n.language)}
          {data.payment_method && ` · ${t(`booking.methods.${data.payment_method}`)}`}</dd></>}
        {data.refunded_cents > 0 && <><dt>{t("booking.refunded")}</dt><dd>{formatMoney(data.refunded_cents, data.currency, i18n.language)}</dd></>}
        {data.checked_in_at && <><dt>{t("booking.checkedIn")}</dt><dd>{formatMoment(data.checked_in_at, i18n.language)}</dd></>}
      </dl>
      {data.status === "pending" && data.expires_at && <Countdown until={data.expires_at} onExpired={refetch} />}
      {data.status === "pending" && <PayForm bookingId={data.id} />}
      {data.status === "expired" && <p role="alert">{t("errors.booking_expired")}</p>}
      {data.status === "confirmed" && <TicketQr bookingId={data.id} />}
      {active && !data.checked_in_at && <ChangeBooking key={data.updated_at} booking={data} />}
      {active && (
        <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate(data.id)}>
          {t("booking.cancel")}
        </button>
      )}
      <ProblemMessage error={cancel.error} />
      <p><Link to="/bookings">{t("nav.bookings")}</Link></p>
    </Page>
  );
}

function PayForm({ bookingId }: { bookingId: string }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [token, setToken] = useState("");
  const key = useAttemptKey({ bookingId, token });
  const pay = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/bookings/{booking_id}/pay", {
      params: { path: { booking_id: bookingId } },
      body: { payment_token: token.trim() },
      headers: { "Idempotency-Key": key },
    })),
    onSuccess: (booking) => {
      queries.setQueryData(["booking", booking.id], booking);
      void queries.invalidateQueries({ queryKey: ["bookings"] });
    },
    // A hold that ran out while paying: show the booking as it now is.
    onError: () => void queries.invalidateQueries({ queryKey: ["booking", bookingId] }),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!pay.isPending) pay.mutate();
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="pay-heading">
      <h2 id="pay-heading">{t("booking.pay")}</h2>
      <label>{t("booking.cardToken")}
        <input value={token} onChange={(e) => setToken(e.target.value)} required autoComplete="off"
          aria-describedby="card-hint" />
      </label>
      <p id="card-hint" className="hint">{t("booking.cardHint")}</p>
      <ProblemMessage error={pay.error} />
      <button type="submit" disabled={pay.isPending}>{pay.isPending ? t("booking.paying") : t("booking.payNow")}</button>
    </form>
  );
}
