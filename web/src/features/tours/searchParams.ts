import type { paths } from "../../api/schema";

export type TourQuery = NonNullable<paths["/v1/tours"]["get"]["parameters"]["query"]>;
export const SORTS = ["-created_at", "price", "-price", "rating", "-rating", "starts_on"] as const;
const TEXT = ["q", "country", "date_from", "date_to", "cursor"] as const;
const NUMBERS = ["seats", "min_price", "max_price"] as const;

/** The page's address → the API's query: the URL is the search's only state, so a link shares it exactly.
 * Prices in the address are in major units (what people type), the API's in minor units. */
export function toTourQuery(params: URLSearchParams): TourQuery {
  const query: TourQuery = { limit: 12 };
  for (const name of TEXT) {
    const value = params.get(name)?.trim();
    if (value) query[name] = value;
  }
  for (const name of NUMBERS) {
    const value = Number(params.get(name));
    if (params.get(name) && Number.isFinite(value) && value >= 0) {
      query[name] = name === "seats" ? Math.trunc(value) : Math.round(value * 100);
    }
  }
  const sort = params.get("sort");
  if (sort && (SORTS as readonly string[]).includes(sort)) query.sort = sort as TourQuery["sort"];
  return query;
}

/** The search form's fields → the next address (a new search starts at the first page). */
export function fromForm(form: FormData): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of form) {
    if (typeof value === "string" && value.trim() && !(name === "sort" && value === SORTS[0])) {
      params.set(name, value.trim());
    }
  }
  return params;
}
