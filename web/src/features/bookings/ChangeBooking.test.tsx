import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import type { components } from "../../api/schema";
import { ChangeBooking } from "./ChangeBooking";

const booking: components["schemas"]["BookingOut"] = {
  id: "b1", user_id: "u1", tour_id: "t1", departure_id: "d1", starts_on: "2026-12-15", seats: 1, travellers: ["Ann Lee"],
  note: null, total_cents: 100000, currency: "EUR", status: "confirmed", paid_cents: 100000, refunded_cents: 0,
  payment_method: "card", expires_at: null, checked_in_at: null, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
};
const dates = [
  { id: "d1", tour_id: "t1", starts_on: "2026-12-15", capacity: 12, seats_left: 3, price_cents: 100000, currency: "EUR", status: "open" },
  { id: "d2", tour_id: "t1", starts_on: "2027-01-10", capacity: 12, seats_left: 0, price_cents: 100000, currency: "EUR", status: "open" },
];

describe("changing a booking", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller adds a seat to a paid booking: asked for a card first, then pays the difference", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/tours/t1/departures": () => json({ items: dates, next_cursor: null }),
      "PATCH /v1/bookings/b1": async (request) => {
        const body = await request.json() as { payment_token?: string; seats: number };
        if (!body.payment_token) return json({ status: 409, code: "payment_required", title: "Costs more" }, 409);
        return json({ ...booking, seats: body.seats, total_cents: 200000, paid_cents: 200000, travellers: ["Ann Lee", "Bo Lee"] });
      },
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<ChangeBooking booking={booking} />);

    expect(await screen.findByRole("option", { name: /2026/ })).toBeInTheDocument();
    expect(screen.queryByRole("option", { name: /2027/ })).toBeNull(); // a sold-out date is no place to move to
    await userEvent.clear(screen.getByLabelText("Seats"));
    await userEvent.type(screen.getByLabelText("Seats"), "2");
    await userEvent.type(screen.getByLabelText("Traveller 2, full name"), "Bo Lee");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("enter a card token to pay the difference");

    await userEvent.type(screen.getByLabelText("Card token for a higher price"), "tok_ok");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Booking changed.");
    const patches = server.requests.filter((r) => r.method === "PATCH");
    expect(patches).toHaveLength(2);
    expect(await patches[1]!.json()).toEqual({ seats: 2, departure_id: "d1", travellers: ["Ann Lee", "Bo Lee"], note: "", payment_token: "tok_ok" });
    expect(patches[1]!.headers.get("Idempotency-Key")).toBeTruthy();
    expect(patches[1]!.headers.get("Idempotency-Key")).not.toBe(patches[0]!.headers.get("Idempotency-Key"));
  });
});
