import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { ProblemMessage } from "../../components/ProblemMessage";

/** An admin books seats for a user, held for payment or confirmed at once when paid at the desk. */
export function CreateBooking() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [fields, setFields] = useState({ user_id: "", departure_id: "", seats: "1", paid_offline: false });
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/admin/bookings", {
      body: { user_id: fields.user_id.trim(), departure_id: fields.departure_id.trim(),
        seats: Math.max(1, Math.min(10, Number.parseInt(fields.seats, 10) || 1)), paid_offline: fields.paid_offline },
    })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["bookings"] });
      await queries.invalidateQueries({ queryKey: ["departures"] });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  }

  return (
    <form onSubmit={submit} className="filters" aria-labelledby="create-booking-heading">
      <h2 id="create-booking-heading">{t("adminBooking.heading")}</h2>
      <label>{t("fields.user_id")}
        <input value={fields.user_id} required onChange={(e) => setFields({ ...fields, user_id: e.target.value })} />
      </label>
      <label>{t("fields.departure_id")}
        <input value={fields.departure_id} required onChange={(e) => setFields({ ...fields, departure_id: e.target.value })} />
      </label>
      <label>{t("booking.seats")}
        <input type="number" min={1} max={10} value={fields.seats} onChange={(e) => setFields({ ...fields, seats: e.target.value })} />
      </label>
      <label>
        <input type="checkbox" checked={fields.paid_offline} onChange={(e) => setFields({ ...fields, paid_offline: e.target.checked })} />
        {t("adminBooking.paidOffline")}
      </label>
      <button type="submit" disabled={create.isPending}>{t("adminBooking.submit")}</button>
      <ProblemMessage error={create.error} />
      {create.data && (
        <p role="status">{t("adminBooking.created")} <Link to={`/bookings/${create.data.id}`}>{t("admin.open")}</Link></p>
      )}
    </form>
  );
}
