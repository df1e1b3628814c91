import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatMoment } from "../../i18n/format";

const STATUSES = ["open", "in_progress", "resolved", "closed"] as const;
type Status = (typeof STATUSES)[number];
type Ticket = components["schemas"]["TicketOut"];
// The moves the API allows (shared/support/services.py): offering only these keeps a reply from failing on a 409.
const NEXT: Record<Status, Status[]> = {
  open: ["in_progress", "closed"], in_progress: ["resolved", "closed"], resolved: ["closed"], closed: [],
};

export function AdminTicketsPage() {
  const { t } = useTranslation();
  return (
    <RequireUser roles={["admin"]}>
      <Page title={t("admin.tickets")}><Tickets /></Page>
    </RequireUser>
  );
}

function Tickets() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const status = (STATUSES as readonly string[]).includes(params.get("status") ?? "") ? params.get("status") as Status : undefined;
  const cursor = params.get("cursor") ?? undefined;
  const tickets = useQuery({
    queryKey: ["tickets", "admin", status, cursor],
    queryFn: async () => unwrap(await api.GET("/v1/admin/tickets", { params: { query: { status, cursor, limit: 20 } } })),
  });
  return (
    <>
      <label>{t("bookings.status")}
        <select value={status ?? ""} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
          <option value="">{t("bookings.all")}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{t(`support.statuses.${s}`)}</option>)}
        </select>
      </label>
      <ProblemMessage error={tickets.error} />
      {tickets.data?.items.length === 0 && <p>{t("support.none")}</p>}
      {tickets.data?.items.map((ticket) => <TicketEditor key={ticket.id} ticket={ticket} />)}
      <Pager nextCursor={tickets.data?.next_cursor} />
    </>
  );
}

function TicketEditor({ ticket }: { ticket: Ticket }) {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const answer = useMutation({
    mutationFn: async (body: components["schemas"]["TicketUpdate"]) => unwrap(await api.PATCH(
      "/v1/admin/tickets/{ticket_id}", { params: { path: { ticket_id: ticket.id } }, body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["tickets"] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const reply = String(form.get("reply")).trim();
    const status = String(form.get("status") ?? "");
    answer.mutate({ ...(status ? { status: status as Status } : {}), ...(reply ? { reply } : {}) });
  }

  return (
    <article className="ticket-item" aria-labelledby={`ticket-${ticket.id}`}>
      <h2 id={`ticket-${ticket.id}`}><Link to={`/support/${ticket.id}`}>{ticket.subject}</Link></h2>
      <p>{formatMoment(ticket.created_at, i18n.language)} · {t("support.status", { status: t(`support.statuses.${ticket.status}`) })}</p>
      <p>{ticket.message}</p>
      <form onSubmit={submit} className="stack" key={ticket.updated_at}>
        <label>{t("support.reply")}<textarea name="reply" defaultValue={ticket.reply ?? ""} maxLength={5000} /></label>
        <label>{t("admin.newStatus")}
          <select name="status" defaultValue={NEXT[ticket.status as Status]?.[0] ?? ""}>
            <option value="">{t("support.keep")}</option>
            {NEXT[ticket.status as Status]?.map((s) => <option key={s} value={s}>{t(`support.statuses.${s}`)}</option>)}
          </select>
        </label>
        <ProblemMessage error={answer.error} />
        <button type="submit" disabled={answer.isPending || ticket.status === "closed"}>{t("admin.answer")}</button>
      </form>
    </article>
  );
}
