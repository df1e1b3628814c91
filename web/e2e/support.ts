import { AxeBuilder } from "@axe-core/playwright";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import en from "../src/i18n/en.json" with { type: "json" };
import ru from "../src/i18n/ru.json" with { type: "json" };

export const catalogs = { en, ru } as const;
export type Language = keyof typeof catalogs;

/** The catalog's sentence for `key` (as the app shows it), so one journey reads in either language. */
export function text(language: Language, key: string, values: Record<string, string | number> = {}): string {
  const plural = "count" in values ? `_${new Intl.PluralRules(language).select(Number(values.count))}` : "";
  const lookup = (path: string) => path.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], catalogs[language]);
  const found = lookup(key + plural) ?? lookup(key);
  if (typeof found !== "string") throw new Error(`no ${key} in the ${language} catalog`);
  return found.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name]));
}

/** axe on the page as it is now: no serious or critical violation; and a screenshot for people. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await expect(page.locator("main")).not.toHaveAttribute("aria-busy", "true");
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(bad, `accessibility of ${name}`).toEqual([]);
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}

export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** A date `days` from today (UTC), as `YYYY-MM-DD`. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Set-up through the public API, as an admin: a published tour with one departure. */
export async function publishedTour(request: APIRequestContext, word: string, seats = 10) {
  const headers = await bearer(request, "admin@example.com", "admin-password");
  const tour = await (await request.post("/v1/tours", { headers, data: {
    title: `${word} Lakes and Peaks`, description: "Ridges, huts and cold lakes.", country: "Norway", city: "Bergen",
    duration_days: 5, price_cents: 120000, currency: "EUR", tags: ["hiking"], is_published: true,
  } })).json();
  const departure = await (await request.post(`/v1/tours/${tour.id}/departures`, { headers, data: {
    starts_on: daysFromNow(40), capacity: seats,
  } })).json();
  return { tour, departure };
}

export async function bearer(request: APIRequestContext, email: string, password: string) {
  const response = await request.post("/v1/auth/login", { data: { email, password } });
  expect(response.status()).toBe(200);
  return { Authorization: `Bearer ${(await response.json()).access_token}` };
}
