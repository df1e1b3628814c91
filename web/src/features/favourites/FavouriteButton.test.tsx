import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { FavouriteButton } from "./FavouriteButton";
import { FavouritesPage } from "./FavouritesPage";

const me = { id: "u1", email: "ann@example.com", full_name: "Ann", role: "user", is_active: true, created_at: "" };
const tour = {
  id: "t1", slug: "alps-3f2a1b", title: "Japan Alps and Onsen", description: "", country: "Japan", city: "Matsumoto",
  duration_days: 8, price_cents: 319000, currency: "EUR", tags: [], rating: null, reviews_count: 0, is_published: true,
  image_urls: ["https://img/full.jpg"], images: [{ id: "i1", url: "https://img/full.jpg", thumbnails: { "320": "https://img/320.webp" } }],
  next_departure: null, created_at: "", updated_at: "",
};

describe("favourites", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller keeps a tour, sees it kept, and drops it again", async () => {
    let kept = false;
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(me),
      "GET /v1/users/me/favourites": () => json({ items: kept ? [tour] : [], next_cursor: null }),
      "PUT /v1/users/me/favourites/t1": () => { kept = true; return json(null, 204); },
      "DELETE /v1/users/me/favourites/t1": () => { kept = false; return json(null, 204); },
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<FavouriteButton tourId="t1" />);

    await userEvent.click(await screen.findByRole("button", { name: "Keep as a favourite" }));
    expect(await screen.findByRole("button", { name: "Remove from favourites" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("status")).toHaveTextContent("In your favourites");
    await userEvent.click(screen.getByRole("button", { name: "Remove from favourites" }));
    expect(await screen.findByRole("button", { name: "Keep as a favourite" })).toHaveAttribute("aria-pressed", "false");
    expect(server.requests.map((request) => request.method).filter((method) => method !== "GET")).toEqual(
      ["POST", "PUT", "DELETE"]);
  });

  it("the favourites page lists the kept tours by their thumbnails and links them by slug", async () => {
    vi.stubGlobal("fetch", fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(me),
      "GET /v1/users/me/favourites": () => json({ items: [tour], next_cursor: null }),
    }).fetch);
    await signIn("ann@example.com", "pw");
    const { container } = await renderAt(<FavouritesPage />, { language: "ru" });
    expect(await screen.findByRole("heading", { name: "Избранные туры" })).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Japan Alps and Onsen" })).toHaveAttribute("href", "/tours/alps-3f2a1b");
    expect(container.querySelector("img")).toHaveAttribute("src", "https://img/320.webp");
  });
});
