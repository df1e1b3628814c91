import { expect, test } from "@playwright/test";
import { checkPage, publishedTour, text, unique, type Language } from "./support";

for (const language of ["en", "ru"] as const satisfies Language[]) {
  test(`a new traveller signs up, searches with filters, books two seats, is declined then pays, sees the QR ticket, gives a seat back (refunded) and cancels another booking (${language})`, async ({ page, request }) => {
    const t = (key: string, values?: Record<string, string | number>) => text(language, key, values);
    const word = unique("Fjord");
    const { tour } = await publishedTour(request, word);
    const other = (await publishedTour(request, unique("Glacier"))).tour;

    await page.goto("/");
    if (language === "ru") await page.getByLabel(text("en", "nav.language")).selectOption("ru");
    await expect(page.getByRole("heading", { level: 1, name: t("search.title") })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", language);
    await checkPage(page, `${language}-search`);

    await page.getByRole("link", { name: t("nav.signUp") }).click();
    await checkPage(page, `${language}-sign-up`);
    await page.getByLabel(t("fields.full_name")).fill("Ann Lee");
    await page.getByLabel(t("fields.email")).fill(`${word.toLowerCase()}@example.com`);
    await page.getByLabel(t("fields.password")).fill("a long password");
    await page.getByRole("button", { name: t("auth.signUp") }).click();
    await expect(page.getByRole("button", { name: t("nav.signOut") })).toBeVisible();
    // A new account is not confirmed yet: the banner says where the link went (Vitest covers sending it again).
    await expect(page.getByText(t("verify.banner", { email: `${word.toLowerCase()}@example.com` }))).toBeVisible();
    await expect(page.getByRole("button", { name: t("verify.resend") })).toBeVisible();

    await page.getByLabel(t("search.q")).fill(word);
    await page.getByLabel(t("search.country")).fill("Norway");
    await page.getByLabel(t("search.seats")).fill("2");
    await page.getByLabel(t("search.maxPrice")).fill("1500");
    await page.getByLabel(t("search.sort")).selectOption("price");
    await page.getByRole("button", { name: t("search.submit") }).click();
    await expect(page).toHaveURL(/country=Norway&seats=2&max_price=1500&sort=price/);
    await expect(page.getByRole("status")).toHaveText(t("search.results", { count: 1 }));
    await page.getByRole("link", { name: tour.title }).click();

    await expect(page.getByRole("heading", { level: 1, name: tour.title })).toBeVisible();
    await expect(page.getByRole("table").getByRole("cell", { name: "10", exact: true })).toBeVisible();
    await page.getByRole("button", { name: t("favourites.add") }).click();
    await expect(page.getByRole("button", { name: t("favourites.remove") })).toHaveAttribute("aria-pressed", "true");
    await checkPage(page, `${language}-tour`);
    await page.getByRole("table").getByRole("link").first().click();

    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("booking.title", { title: tour.title }));
    await page.getByLabel(t("booking.seats"), { exact: true }).fill("2");
    await page.getByLabel(t("booking.traveller", { number: 1 })).fill("Ann Lee");
    await page.getByLabel(t("booking.traveller", { number: 2 })).fill("Bo Lee");
    await checkPage(page, `${language}-book`);
    await page.getByRole("button", { name: t("booking.submit") }).dblclick();

    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("booking.of", { title: tour.title }));
    await expect(page.getByText(t("booking.heldFor", { time: "" }).trim().split(" ").slice(0, 2).join(" "))).toBeVisible();
    await page.getByLabel(t("booking.cardToken")).fill("tok_declined");
    await page.getByRole("button", { name: t("booking.payNow") }).click();
    await expect(page.getByRole("alert")).toHaveText(t("errors.payment_declined"));
    await checkPage(page, `${language}-pay-declined`);
    await page.getByLabel(t("booking.cardToken")).fill("tok_ok");
    await page.getByRole("button", { name: t("booking.payNow") }).click();
    await expect(page.getByText(t("booking.statuses.confirmed"), { exact: true })).toBeVisible();
    const qr = page.getByRole("img", { name: t("booking.qrAlt") });
    await expect(qr).toBeVisible();
    expect((await qr.boundingBox())!.width).toBeGreaterThanOrEqual(256);
    await checkPage(page, `${language}-ticket`);

    // One seat fewer: 40 days ahead, the policy refunds the removed seat in full.
    await page.getByLabel(t("booking.seats"), { exact: true }).fill("1");
    await page.getByRole("button", { name: t("change.submit") }).click();
    await expect(page.getByText(t("booking.refunded"), { exact: true })).toBeVisible();
    await checkPage(page, `${language}-changed`);

    // A second booking, of another tour, cancelled from the list; the paid one stays.
    await page.goto(`/tours/${other.id}`);
    await page.getByRole("table").getByRole("link").first().click();
    await page.getByRole("button", { name: t("booking.submit") }).click();
    // In Russian the booking form and the booking share their heading: wait for the booking's own address.
    await expect(page).toHaveURL(/\/bookings\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("booking.of", { title: other.title }));
    await page.getByRole("link", { name: t("nav.bookings") }).first().click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("bookings.title"));
    const cancelled = page.getByRole("listitem", { name: other.title });
    await checkPage(page, `${language}-my-bookings`);
    await cancelled.getByRole("button").click();
    await expect(cancelled).toContainText(t("booking.statuses.cancelled"));
    await expect(page.getByRole("listitem", { name: tour.title })).toContainText(t("booking.statuses.confirmed"));

    await page.getByRole("link", { name: t("nav.favourites") }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("favourites.title"));
    await expect(page.getByRole("link", { name: tour.title })).toBeVisible();
    await checkPage(page, `${language}-favourites`);

    await page.getByRole("link", { name: t("nav.account") }).click();
    await expect(page.getByRole("cell", { name: t("account.succeeded") }).first()).toBeVisible();
    await checkPage(page, `${language}-account`);
    await page.getByRole("link", { name: t("nav.support") }).click();
    await page.getByLabel(t("fields.subject")).fill("Vegetarian meals");
    await page.getByLabel(t("fields.message")).fill("Are the huts able to cook vegetarian?");
    await page.getByRole("button", { name: t("support.send"), exact: true }).click();
    await expect(page.getByRole("heading", { name: "Vegetarian meals" })).toBeVisible();
    await checkPage(page, `${language}-support`);
    await page.getByRole("link", { name: "Vegetarian meals" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Vegetarian meals" })).toBeVisible();
    await page.getByLabel(t("fields.message"), { exact: true }).fill("Two of us are vegan.");
    await page.getByRole("button", { name: t("support.send"), exact: true }).click();
    await expect(page.getByRole("list", { name: t("support.thread") }).getByRole("listitem")).toHaveCount(2);
    await checkPage(page, `${language}-support-thread`);

    await page.getByRole("button", { name: t("nav.signOut") }).click();
    await expect(page.getByRole("link", { name: t("nav.signIn") })).toBeVisible();
    await page.goto("/bookings");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fbookings/);
    await checkPage(page, `${language}-sign-in`);
  });
}
