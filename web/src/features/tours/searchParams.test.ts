import { describe, expect, it } from "vitest";
import { fromForm, toTourQuery } from "./searchParams";

describe("the search's address", () => {
  it("turns the URL into the API's query, prices into minor units", () => {
    const query = toTourQuery(new URLSearchParams("q=alps&country=Japan&seats=2&min_price=100&max_price=2500.5&sort=price&cursor=abc"));
    expect(query).toEqual({ limit: 12, q: "alps", country: "Japan", seats: 2, min_price: 10000, max_price: 250050, sort: "price", cursor: "abc" });
  });

  it("drops what the API would refuse instead of sending it", () => {
    expect(toTourQuery(new URLSearchParams("seats=-1&min_price=abc&sort=evil&q=%20"))).toEqual({ limit: 12 });
  });

  it("a new search starts on the first page and leaves out empty fields and the default sort", () => {
    const form = new FormData();
    form.set("q", " tea ");
    form.set("country", "");
    form.set("sort", "-created_at");
    expect(fromForm(form).toString()).toBe("q=tea");
  });
});
