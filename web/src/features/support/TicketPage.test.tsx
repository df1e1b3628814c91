import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { TicketPage } from "./TicketPage";

const me = { id: "u1", email: "ann@example.com", full_name: "Ann", role: "user", is_active: true, created_at: "" };
const base = {
  id: "k1", user_id: "u1", booking_id: null, subject: "Lost bag", message: "I lost it", reply: "Found it",
  created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-02T10:00:00Z",
};
const first = [
  { author: "user", text: "I lost it", created_at: "2026-12-01T10:00:00Z" },
  { author: "staff", text: "Found it", created_at: "2026-12-02T10:00:00Z" },
];

describe("a support conversation", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller reads the staff's answer and writes back, which reopens the resolved ticket", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(me),
      "GET /v1/tickets/k1": () => json({ ...base, status: "resolved", messages: first }),
      "POST /v1/tickets/k1/messages": async (request) => {
        const { text } = await request.json() as { text: string };
        return json({ ...base, status: "open", messages: [...first, { author: "user", text, created_at: "2026-12-03T10:00:00Z" }] }, 201);
      },
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<TicketPage />, { path: "/support/k1", pattern: "/support/:ticketId" });

    const thread = await screen.findByRole("list", { name: "Conversation" });
    expect(thread).toHaveTextContent("Support team");
    expect(thread).toHaveTextContent("Found it");
    expect(screen.getByText("Status: Resolved")).toBeInTheDocument();
    expect(screen.getByText("Writing reopens a resolved ticket.")).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText("Message"), "That is not my bag");
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findByText("That is not my bag")).toBeInTheDocument();
    expect(screen.getByText("Status: Open")).toBeInTheDocument();
    expect(screen.getAllByRole("listitem")).toHaveLength(3);
  });

  it("a closed ticket takes no more messages", async () => {
    vi.stubGlobal("fetch", fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(me),
      "GET /v1/tickets/k1": () => json({ ...base, status: "closed", messages: first }),
    }).fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<TicketPage />, { path: "/support/k1", pattern: "/support/:ticketId", language: "ru" });
    expect(await screen.findByText("Обращение закрыто, новые сообщения не принимаются.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Отправить" })).not.toBeInTheDocument();
  });
});
