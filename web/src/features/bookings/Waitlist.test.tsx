import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { JoinWaitlist, MyWaitlist } from "./Waitlist";

const soldOut = { id: "d2", tour_id: "t1", starts_on: "2027-01-10", capacity: 12, seats_left: 0, price_cents: 100000, currency: "EUR", status: "open" } as const;
const entry = { id: "w1", departure_id: "d2", seats: 2, position: 3, status: "waiting", booking_id: null, created_at: "2026-12-06T05:00:00Z" };

describe("the waitlist", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller waits for two seats on a sold-out date and learns their place in the queue", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "POST /v1/departures/d2/waitlist": () => json(entry, 201),
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<JoinWaitlist departures={[soldOut]} />);
    await userEvent.clear(screen.getByLabelText("Seats to wait for"));
    await userEvent.type(screen.getByLabelText("Seats to wait for"), "2");
    await userEvent.click(screen.getByRole("button", { name: /Join the waitlist for/ }));
    expect(await screen.findByRole("status")).toHaveTextContent("You are number 3 in the queue.");
    const joins = server.requests.filter((r) => r.method === "POST" && r.url.endsWith("/waitlist"));
    expect(await joins[0]!.json()).toEqual({ seats: 2 });
  });

  it("a traveller sees an offer among their entries and leaves the queue of another date", async () => {
    let entries = [entry, { ...entry, id: "w2", status: "offered", position: null, booking_id: "b9" }];
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/users/me/waitlist": () => json({ items: entries, next_cursor: null }),
      "DELETE /v1/waitlist/w1": () => { entries = entries.filter((e) => e.id !== "w1"); return json(null, 204); },
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<MyWaitlist />, { language: "ru" });
    expect(await screen.findByRole("link", { name: "Открыть бронь" })).toHaveAttribute("href", "/bookings/b9");
    await userEvent.click(screen.getByRole("button", { name: "Покинуть лист ожидания" }));
    await vi.waitFor(() => expect(screen.queryByText(/номер 3 в очереди/)).toBeNull());
    expect(server.requests.some((r) => r.method === "DELETE" && r.url.endsWith("/v1/waitlist/w1"))).toBe(true);
  });
});
