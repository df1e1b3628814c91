import { expect, test } from "@playwright/test";
import { bearer, checkPage, daysFromNow, text, unique } from "./support";

const t = (key: string, values?: Record<string, string | number>) => text("en", key, values);

test("an admin creates and publishes a tour with a departure, checks a traveller in by code and answers a ticket", async ({ page, request }) => {
  const title = `${unique("Lofoten")} Sea Kayaking`;
  await page.goto("/sign-in");
  await page.getByLabel(t("fields.email")).fill("admin@example.com");
  await page.getByLabel(t("fields.password")).fill("admin-password");
  await page.getByRole("button", { name: t("auth.signIn") }).click();
  await page.getByRole("link", { name: t("admin.tours") }).click();
  await checkPage(page, "admin-tours");

  await page.getByRole("link", { name: t("admin.newTour") }).click();
  await page.getByLabel(t("fields.title")).fill(title);
  await page.getByLabel(t("fields.description")).fill("Paddle between granite peaks under the midnight sun.");
  await page.getByLabel(t("fields.country")).fill("Norway");
  await page.getByLabel(t("fields.city")).fill("Svolvær");
  await page.getByLabel(t("fields.duration_days")).fill("6");
  await page.getByLabel(t("fields.price")).fill("1450");
  await checkPage(page, "admin-new-tour");
  await page.getByRole("button", { name: t("admin.createTour") }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByText(t("admin.draft"))).toBeVisible();
  const tourId = page.url().split("/").at(-1)!;
  expect((await request.get(`/v1/tours/${tourId}`)).status()).toBe(404); // a draft is not public

  await page.getByLabel(t("fields.is_published")).check();
  await page.getByRole("button", { name: t("common.save") }).first().click();
  await expect(page.getByText(t("admin.published"), { exact: true })).toBeVisible();
  await page.getByLabel(t("fields.starts_on")).fill(daysFromNow(30));
  await page.getByLabel(t("fields.capacity"), { exact: true }).last().fill("8");
  await page.getByRole("button", { name: t("admin.addDeparture") }).click();
  await expect(page.getByText(t("admin.seatsLeftOf", { left: 8, capacity: 8 }))).toBeVisible();
  await checkPage(page, "admin-edit-tour");
  const departures = await (await request.get(`/v1/tours/${tourId}/departures`)).json();
  expect(departures.items).toHaveLength(1);

  // A traveller books and pays through the API, then shows the code at check-in.
  const email = `${unique("kayaker")}@example.com`;
  expect((await request.post("/v1/auth/register", { data: { email, password: "a long password" } })).status()).toBe(201);
  const traveller = await bearer(request, email, "a long password");
  const booking = await (await request.post("/v1/bookings", { headers: traveller, data: {
    departure_id: departures.items[0].id, seats: 2, travellers: ["Ola", "Kari"] } })).json();
  expect((await request.post(`/v1/bookings/${booking.id}/pay`, { headers: traveller, data: { payment_token: "tok_ok" } })).status()).toBe(200);
  const { code } = await (await request.get(`/v1/bookings/${booking.id}/ticket`, { headers: traveller })).json();
  const subject = unique("Life jackets ");
  await request.post("/v1/tickets", { headers: traveller, data: { subject, message: "Are life jackets provided?" } });

  await page.getByRole("link", { name: t("admin.checkIn") }).click();
  await page.getByLabel(t("admin.code")).fill(code);
  await page.getByRole("button", { name: t("admin.checkInButton") }).click();
  await expect(page.getByRole("status")).toContainText("Ola, Kari");
  await checkPage(page, "admin-check-in");
  await page.getByRole("button", { name: t("admin.checkInButton") }).click();
  await expect(page.getByRole("alert")).toHaveText(t("errors.already_checked_in"));
  const checkedIn = await (await request.get(`/v1/bookings/${booking.id}`, { headers: traveller })).json();
  expect(checkedIn.checked_in_at).not.toBeNull();

  await page.getByRole("link", { name: t("admin.tickets") }).click();
  const ticket = page.getByRole("article", { name: subject });
  await ticket.getByLabel(t("support.reply")).fill("Yes, and dry bags too.");
  await ticket.getByRole("button", { name: t("admin.answer") }).click();
  await expect(ticket.getByText(t("support.status", { status: t("support.statuses.in_progress") }))).toBeVisible();
  await checkPage(page, "admin-tickets");
  const answered = await (await request.get("/v1/tickets", { headers: traveller })).json();
  expect(answered.items[0]).toMatchObject({ subject, reply: "Yes, and dry bags too.", status: "in_progress" });

  await page.getByRole("link", { name: t("admin.bookings") }).click();
  await page.getByLabel(t("fields.tour_id")).fill(tourId);
  await page.getByRole("button", { name: t("admin.filter") }).click();
  await expect(page.getByRole("cell", { name: "Ola, Kari" })).toBeVisible();
  await checkPage(page, "admin-bookings");
  await page.getByRole("link", { name: t("admin.users") }).click();
  await page.getByLabel(t("admin.searchUsers")).fill(email);
  await page.getByRole("button", { name: t("search.submit") }).click();
  await expect(page.getByRole("cell", { name: email, exact: true })).toBeVisible();
  await checkPage(page, "admin-users");
});
