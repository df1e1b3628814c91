import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { AdminToursPage } from "./AdminToursPage";

const admin = { id: "a1", email: "admin@example.com", full_name: "Ada", role: "admin", is_active: true, created_at: "" };
const draft = {
  id: "t9", slug: "draft-tour", title: "Secret Draft", description: "", country: "Peru", city: "Cusco",
  duration_days: 3, price_cents: 50000, currency: "EUR", tags: [], rating: null, reviews_count: 0, is_published: false,
  image_urls: [], images: [], next_departure: null, created_at: "", updated_at: "",
};

describe("the admin's tour list", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("an admin sees drafts with their status and filters to drafts only", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(admin),
      "GET /v1/admin/tours": () => json({ items: [draft], next_cursor: null }),
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("admin@example.com", "pw");
    const { router } = await renderAt(<AdminToursPage />, { path: "/admin/tours", pattern: "/admin/tours" });
    const row = (await screen.findByRole("link", { name: "Secret Draft" })).closest("tr")!;
    expect(row).toHaveTextContent("Draft");

    await userEvent.selectOptions(screen.getByLabelText("Status"), "Draft");
    await userEvent.type(screen.getByLabelText("Title, words or slug"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    await vi.waitFor(() => expect(router.state.location.search).toBe("?q=secret&is_published=false"));
    await vi.waitFor(() => {
      const sent = new URL(server.requests.at(-1)!.url);
      expect(sent.pathname).toBe("/v1/admin/tours");
      expect(Object.fromEntries(sent.searchParams)).toEqual({ q: "secret", is_published: "false", limit: "50" });
    });
  });
});
