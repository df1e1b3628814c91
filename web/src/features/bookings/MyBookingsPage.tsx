import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatDay, formatMoney } from "../../i18n/format";
import { useTour } from "../tours/queries";
import { useCancelBooking } from "./queries";
import { MyWaitlist } from "./Waitlist";

export const STATUSES = ["pending", "confirmed", "cancelled", "expired", "completed"] as const;
type Booking = components["schemas"]["BookingOut"];
type Status = (typeof STATUSES)[number];

export function MyBookingsPage() {
  return <RequireUser><MyBookings /></RequireUser>;
}

function MyBookings() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const status = (STATUSES as readonly string[]).includes(params.get("status") ?? "") ? params.get("status") as Status : undefined;
  const cursor = params.get("cursor") ?? undefined;
  const bookings = useQuery({
    queryKey: ["bookings", status, cursor],
    queryFn: async () => unwrap(await api.GET("/v1/bookings", { params: { query: { status, cursor, limit: 20 } } })),
  });
  return (
    <Page title={t("bookings.title")}>
      <label>{t("bookings.status")}
        <select value={status ?? ""} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
          <option value="">{t("bookings.all")}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{t(`booking.statuses.${s}`)}</option>)}
        </select>
      </label>
      <ProblemMessage error={bookings.error} />
      {bookings.data?.items.length === 0 && <p>{t("bookings.none")}</p>}
      <ul className="list">
        {bookings.data?.items.map((booking) => <BookingRow key={booking.id} booking={booking} />)}
      </ul>
      <Pager nextCursor={bookings.data?.next_cursor} />
      <MyWaitlist />
    </Page>
  );
}

function BookingRow({ booking }: { booking: Booking }) {
  const { t, i18n } = useTranslation();
  const tour = useTour(booking.tour_id);
  const cancel = useCancelBooking();
  const title = tour.data?.title ?? t("booking.heading");
  const active = booking.status === "pending" || booking.status === "confirmed";
  return (
    <li aria-label={title}>
      <Link to={`/bookings/${booking.id}`}>{title}</Link>{" "}
      · {formatDay(booking.starts_on, i18n.language)} · {t("bookings.seatsCount", { count: booking.seats })}
      {" "}· {formatMoney(booking.total_cents, booking.currency, i18n.language)} · {t(`booking.statuses.${booking.status}`)}
      {booking.refunded_cents > 0 && <> · {t("bookings.refunded", { amount: formatMoney(booking.refunded_cents, booking.currency, i18n.language) })}</>}
      {active && (
        <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate(booking.id)}
          aria-label={t("bookings.cancelOne", { title, date: formatDay(booking.starts_on, i18n.language) })}>
          {t("booking.cancel")}
        </button>
      )}
      <ProblemMessage error={cancel.error} />
    </li>
  );
}
