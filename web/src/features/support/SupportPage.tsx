import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatMoment } from "../../i18n/format";

export function SupportPage() {
  const { t } = useTranslation();
  return (
    <RequireUser>
      <Page title={t("support.title")}>
        <TicketForm />
        <MyTickets />
      </Page>
    </RequireUser>
  );
}

function TicketForm() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const open = useMutation({
    mutationFn: async (body: { subject: string; message: string }) => unwrap(await api.POST("/v1/tickets", { body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["tickets"] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const target = event.currentTarget;
    open.mutate({ subject: String(form.get("subject")).trim(), message: String(form.get("message")).trim() },
      { onSuccess: () => target.reset() });
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="new-ticket">
      <h2 id="new-ticket">{t("support.new")}</h2>
      <label>{t("fields.subject")}<input name="subject" minLength={3} maxLength={200} required /></label>
      <label>{t("fields.message")}<textarea name="message" maxLength={5000} required /></label>
      <ProblemMessage error={open.error} />
      {open.isSuccess && <p role="status">{t("support.sent")}</p>}
      <button type="submit" disabled={open.isPending}>{t("support.send")}</button>
    </form>
  );
}

function MyTickets() {
  const { t, i18n } = useTranslation();
  const [params] = useSearchParams();
  const cursor = params.get("cursor") ?? undefined;
  const tickets = useQuery({
    queryKey: ["tickets", cursor],
    queryFn: async () => unwrap(await api.GET("/v1/tickets", { params: { query: { cursor, limit: 20 } } })),
  });
  return (
    <section aria-labelledby="my-tickets">
      <h2 id="my-tickets">{t("support.mine")}</h2>
      <ProblemMessage error={tickets.error} />
      {tickets.data?.items.length === 0 && <p>{t("support.none")}</p>}
      {tickets.data?.items.map((ticket) => (
        <article key={ticket.id} className="ticket-item" aria-labelledby={`ticket-${ticket.id}`}>
          <h3 id={`ticket-${ticket.id}`}><Link to={`/support/${ticket.id}`}>{ticket.subject}</Link></h3>
          <p>{t(`support.statuses.${ticket.status}`)} · {formatMoment(ticket.created_at, i18n.language)}</p>
          <p>{ticket.message}</p>
          {ticket.reply && <blockquote aria-label={t("support.reply")}>{ticket.reply}</blockquote>}
        </article>
      ))}
      <Pager nextCursor={tickets.data?.next_cursor} />
    </section>
  );
}
