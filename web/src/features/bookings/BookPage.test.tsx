import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { BookPage } from "./BookPage";

const tour = { id: "t1", slug: "alps", title: "Japan Alps", price_cents: 100000, currency: "EUR" };
const departure = { id: "d1", tour_id: "t1", starts_on: "2026-12-15", capacity: 12, seats_left: 12, price_cents: 100000, currency: "EUR", status: "open" };
const me = { id: "u1", email: "ann@example.com", full_name: "Ann", role: "user", is_active: true, created_at: "" };

describe("booking seats", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a double click sends one booking; a retry is the same attempt (same Idempotency-Key), a changed request a new one", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(me),
      "GET /v1/tours/t1": () => json(tour),
      "GET /v1/tours/t1/departures": () => json({ items: [departure], next_cursor: null }),
      "POST /v1/bookings": async () => {
        await held;
        return json({ status: 409, code: "sold_out" }, 409);
      },
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<BookPage />, { path: "/tours/t1/book?departure=d1", pattern: "/tours/:tourId/book" });

    await userEvent.clear(await screen.findByLabelText("Seats"));
    await userEvent.type(screen.getByLabelText("Seats"), "2");
    await userEvent.type(screen.getByLabelText("Traveller 1, full name"), "Ann Lee");
    await userEvent.type(screen.getByLabelText("Traveller 2, full name"), "Bo Lee");
    const submit = screen.getByRole("button", { name: "Book and hold the seats" });
    await userEvent.dblClick(submit);
    release();
    expect(await screen.findByRole("alert")).toHaveTextContent("Not enough seats left");
    expect(server.requests.filter((r) => r.method === "POST" && r.url.endsWith("/v1/bookings"))).toHaveLength(1);

    await userEvent.click(screen.getByRole("button", { name: "Book and hold the seats" }));
    await userEvent.clear(screen.getByLabelText("Seats"));
    await userEvent.type(screen.getByLabelText("Seats"), "1");
    await userEvent.click(screen.getByRole("button", { name: "Book and hold the seats" }));
    await vi.waitFor(() => expect(server.requests.filter((r) => r.method === "POST" && r.url.endsWith("/v1/bookings"))).toHaveLength(3));

    const bookings = server.requests.filter((r) => r.method === "POST" && r.url.endsWith("/v1/bookings"));
    const keys = bookings.map((r) => r.headers.get("Idempotency-Key"));
    expect(await bookings[0]!.json()).toEqual({ departure_id: "d1", seats: 2, travellers: ["Ann Lee", "Bo Lee"] });
    expect(keys[0]).toBe(keys[1]); // the retry after the refusal is the same attempt
    expect(keys[2]).not.toBe(keys[0]); // one seat instead of two: a new attempt
  });
});
