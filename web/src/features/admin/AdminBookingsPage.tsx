import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatDay, formatMoney } from "../../i18n/format";
import { useCancelBooking } from "../bookings/queries";
import { STATUSES } from "../bookings/MyBookingsPage";
import { CreateBooking } from "./CreateBooking";
import { useMe } from "../../app/session";

const FILTERS = ["tour_id", "departure_id", "user_id"] as const;
type Status = (typeof STATUSES)[number];

export function AdminBookingsPage() {
  const { t } = useTranslation();
  return (
    <RequireUser roles={["admin", "guide"]}>
      <Page title={t("admin.bookings")}><Bookings /></Page>
    </RequireUser>
  );
}

function Bookings() {
  const { t, i18n } = useTranslation();
  const { user } = useMe();
  const [params, setParams] = useSearchParams();
  const cancel = useCancelBooking();
  const query = {
    limit: 50,
    cursor: params.get("cursor") ?? undefined,
    status: (STATUSES as readonly string[]).includes(params.get("status") ?? "") ? params.get("status") as Status : undefined,
    ...Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || undefined])),
  };
  const bookings = useQuery({
    queryKey: ["bookings", "admin", query],
    queryFn: async () => unwrap(await api.GET("/v1/admin/bookings", { params: { query } })),
  });

  function filter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(event.currentTarget)) if (String(value).trim()) next.set(name, String(value).trim());
    setParams(next);
  }

  return (
    <>
      {user?.role === "admin" && <CreateBooking />}
      <form onSubmit={filter} className="filters" key={params.toString()} aria-label={t("admin.filters")}>
        <label>{t("bookings.status")}
          <select name="status" defaultValue={query.status ?? ""}>
            <option value="">{t("bookings.all")}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{t(`booking.statuses.${s}`)}</option>)}
          </select>
        </label>
        {FILTERS.map((name) => <label key={name}>{t(`fields.${name}`)}<input name={name} defaultValue={params.get(name) ?? ""} /></label>)}
        <button type="submit">{t("admin.filter")}</button>
      </form>
      <ProblemMessage error={bookings.error ?? cancel.error} />
      <table>
        <thead><tr>
          <th scope="col">{t("booking.date")}</th><th scope="col">{t("booking.seats")}</th><th scope="col">{t("booking.totalLabel")}</th>
          <th scope="col">{t("booking.status")}</th><th scope="col">{t("booking.travellers")}</th><th scope="col">{t("admin.actions")}</th>
        </tr></thead>
        <tbody>
          {bookings.data?.items.map((b) => (
            <tr key={b.id}>
              <td>{formatDay(b.starts_on, i18n.language)}</td><td>{b.seats}</td>
              <td>{formatMoney(b.total_cents, b.currency, i18n.language)}</td>
              <td>{t(`booking.statuses.${b.status}`)}{b.checked_in_at && ` · ${t("booking.checkedIn")}`}</td>
              <td>{b.travellers.join(", ")}</td>
              <td>
                <Link to={`/bookings/${b.id}`}>{t("admin.open")}</Link>{" "}
                {(b.status === "pending" || b.status === "confirmed") && (
                  <button type="button" onClick={() => cancel.mutate(b.id)} disabled={cancel.isPending}>{t("booking.cancel")}</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager nextCursor={bookings.data?.next_cursor} />
    </>
  );
}
