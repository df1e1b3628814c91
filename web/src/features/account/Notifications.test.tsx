import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { Identities } from "./Identities";
import { NotificationSettings } from "./NotificationSettings";
import { TelegramLink } from "./TelegramLink";

describe("the account's providers, Telegram and notifications", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller turns Telegram notifications off and the change is saved", async () => {
    const server = fakeApi({
      "GET /v1/users/me/notifications": () => json({ email: true, telegram: true, webhook: true }),
      "PATCH /v1/users/me/notifications": () => json({ email: true, telegram: false, webhook: true }),
    });
    vi.stubGlobal("fetch", server.fetch);
    await renderAt(<NotificationSettings />);
    const telegram = await screen.findByRole("checkbox", { name: "Telegram" });
    expect(telegram).toBeChecked();
    await userEvent.click(telegram);
    await vi.waitFor(() => expect(screen.getByRole("checkbox", { name: "Telegram" })).not.toBeChecked());
    const patch = server.requests.find((r) => r.method === "PATCH");
    expect(await patch!.json()).toEqual({ telegram: false });
  });

  it("unlinking the only way in is refused with an explanation", async () => {
    vi.stubGlobal("fetch", fakeApi({
      "GET /v1/users/me/identities": () => json({ items: [{ provider: "google", email: "ann@example.com", linked_at: "2026-12-06T05:00:00Z" }] }),
      "DELETE /v1/users/me/identities/google": () => json({ status: 409, code: "last_login_method" }, 409),
    }).fetch);
    await renderAt(<Identities />);
    await userEvent.click(await screen.findByRole("button", { name: "Unlink google" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This is your only way to sign in");
  });

  it("linking Telegram shows the bot's one-time link", async () => {
    vi.stubGlobal("fetch", fakeApi({
      "POST /v1/users/me/telegram": () => json({ url: "https://t.me/tourbook_bot?start=abc", expires_in: 900 }, 201),
    }).fetch);
    await renderAt(<TelegramLink />);
    await userEvent.click(screen.getByRole("button", { name: "Link Telegram" }));
    const link = await screen.findByRole("link", { name: /Open Telegram/ });
    expect(link).toHaveAttribute("href", "https://t.me/tourbook_bot?start=abc");
  });
});
