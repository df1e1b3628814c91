import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderAt } from "../../test/render";
import { SearchPage } from "./SearchPage";

const tour = {
  id: "t1", slug: "alps", title: "Japan Alps and Onsen", description: "", country: "Japan", city: "Matsumoto",
  duration_days: 8, price_cents: 319000, currency: "EUR", tags: [], rating: 4.5, reviews_count: 2, is_published: true,
  image_urls: [], next_departure: { id: "d1", starts_on: "2026-12-15", seats_left: 12 }, created_at: "", updated_at: "",
};

describe("searching tours", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller's filters become the address and the API's query, and the next page is a link", async () => {
    const server = fakeApi({ "GET /v1/tours": () => json({ items: [tour], next_cursor: "c2" }) });
    vi.stubGlobal("fetch", server.fetch);
    const { router } = await renderAt(<SearchPage />, { path: "/?country=Japan" });
    expect(await screen.findByRole("link", { name: "Japan Alps and Onsen" })).toHaveAttribute("href", "/tours/t1");
    expect(screen.getByText("from €3,190.00")).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText("Group size"), "2");
    await userEvent.type(screen.getByLabelText("Price up to"), "3000");
    await userEvent.selectOptions(screen.getByLabelText("Sort by"), "Price, low to high");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));

    await vi.waitFor(() => expect(router.state.location.search).toBe("?country=Japan&seats=2&max_price=3000&sort=price"));
    const sent = () => Object.fromEntries(new URL(server.requests.at(-1)!.url).searchParams);
    await vi.waitFor(() => expect(sent()).toEqual({ limit: "12", country: "Japan", seats: "2", max_price: "300000", sort: "price" }));
    expect(await screen.findByRole("link", { name: "Next page" })).toHaveAttribute(
      "href", "/?country=Japan&seats=2&max_price=3000&sort=price&cursor=c2");
  });

  it("shows the API's refusal in the reader's language", async () => {
    vi.stubGlobal("fetch", fakeApi({ "GET /v1/tours": () => json({ status: 400, code: "bad_request" }, 400) }).fetch);
    await renderAt(<SearchPage />, { path: "/?cursor=forged", language: "ru" });
    expect(await screen.findByRole("alert")).toHaveTextContent("Не удалось прочитать запрос.");
  });
});
