import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderAt } from "../../test/render";
import type { components } from "../../api/schema";
import { ImagesEditor } from "./ImagesEditor";

const tour: components["schemas"]["TourOut"] = {
  id: "t1", slug: "alps", title: "Japan Alps", description: "", country: "Japan", city: "Matsumoto",
  duration_days: 8, price_cents: 319000, currency: "EUR", tags: [], rating: null, reviews_count: 0, is_published: true,
  image_urls: ["https://img/a.jpg", "https://img/b.jpg"],
  images: [
    { id: "i1", url: "https://img/a.jpg", thumbnails: { "320": "https://img/a-320.webp", "800": "https://img/a-800.webp" } },
    { id: "i2", url: "https://img/b.jpg", thumbnails: {} },
  ],
  next_departure: null, created_at: "", updated_at: "",
};

describe("managing a tour's images", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("an admin sees thumbnails (or that they are coming) and deletes an image", async () => {
    const server = fakeApi({ "DELETE /v1/tours/t1/images/i2": () => json(null, 204) });
    vi.stubGlobal("fetch", server.fetch);
    await renderAt(<ImagesEditor tour={tour} />);
    expect(screen.getByRole("img", { name: "Japan Alps, photo 1" })).toHaveAttribute("src", "https://img/a-320.webp");
    expect(screen.getByRole("img", { name: "Japan Alps, photo 2" })).toHaveAttribute("src", "https://img/b.jpg");
    expect(screen.getByText("Thumbnails are being made")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Delete image 2" }));
    await vi.waitFor(() => expect(server.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(
      ["DELETE /v1/tours/t1/images/i2"]));
  });
});
