import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useMe } from "../../app/session";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatMoment } from "../../i18n/format";

/** A ticket's conversation: its owner and the support team (admins) read it and write to it. */
export function TicketPage() {
  return <RequireUser><Thread /></RequireUser>;
}

function Thread() {
  const { t, i18n } = useTranslation();
  const { ticketId = "" } = useParams();
  const { user } = useMe();
  const path = { ticket_id: ticketId };
  const ticket = useQuery({
    queryKey: ["ticket", ticketId],
    queryFn: async () => unwrap(await api.GET("/v1/tickets/{ticket_id}", { params: { path } })),
  });
  if (ticket.error) return <Page title={t("support.thread")}><ProblemMessage error={ticket.error} /></Page>;
  if (!ticket.data) return <p role="status">{t("common.loading")}</p>;
  const data = ticket.data;
  const mine = data.user_id === user?.id;
  return (
    <Page title={data.subject}>
      <p><Link to="/support">{t("support.back")}</Link></p>
      <p>{t("support.status", { status: t(`support.statuses.${data.status}`) })}</p>
      <ol className="thread" aria-label={t("support.thread")}>
        {data.messages.map((message, index) => (
          <li key={index} className={`message ${message.author}`}>
            <p><strong>{message.author === "staff" ? t("support.staff") : mine ? t("support.you") : data.user_id}</strong>
              {" · "}{formatMoment(message.created_at, i18n.language)}</p>
            <p>{message.text}</p>
          </li>
        ))}
      </ol>
      {data.status === "closed" ? <p>{t("support.closedNote")}</p> : <FollowUp ticketId={ticketId} resolved={data.status === "resolved" && mine} />}
    </Page>
  );
}

function FollowUp({ ticketId, resolved }: { ticketId: string; resolved: boolean }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const send = useMutation({
    mutationFn: async (text: string) => unwrap(await api.POST("/v1/tickets/{ticket_id}/messages", {
      params: { path: { ticket_id: ticketId } }, body: { text },
    })),
    onSuccess: (saved) => {
      queries.setQueryData(["ticket", ticketId], saved);
      void queries.invalidateQueries({ queryKey: ["tickets"] });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const text = String(new FormData(target).get("text")).trim();
    if (text) send.mutate(text, { onSuccess: () => target.reset() });
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="follow-up">
      <h2 id="follow-up">{t("support.followUp")}</h2>
      {resolved && <p>{t("support.reopens")}</p>}
      <label>{t("fields.message")}<textarea name="text" maxLength={5000} required /></label>
      <ProblemMessage error={send.error} />
      <button type="submit" disabled={send.isPending}>{t("support.send")}</button>
    </form>
  );
}
