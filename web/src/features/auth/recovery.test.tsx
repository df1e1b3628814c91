import { screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSession, signIn } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { VerifyBanner } from "../account/VerifyBanner";
import { ForgotPasswordPage } from "./ForgotPasswordPage";
import { ResetPasswordPage } from "./ResetPasswordPage";
import { VerifyEmailPage } from "./VerifyEmailPage";

const me = { id: "u1", email: "ann@example.com", full_name: "Ann", role: "user", is_active: true, email_verified: false,
  locale: "en", has_password: true, created_at: "" };
async function bodyOf(request: Request | undefined): Promise<Record<string, unknown>> {
  if (!request) throw new Error("no request was sent");
  return (await request.json()) as Record<string, unknown>;
}

describe("accounts by e-mail", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a traveller who forgot the password asks for a link and is told the same whatever the address", async () => {
    const server = fakeApi({ "POST /v1/auth/password-reset": () => json({ status: "accepted" }, 202) });
    vi.stubGlobal("fetch", server.fetch);
    await renderAt(<ForgotPasswordPage />, { path: "/forgot-password", pattern: "/forgot-password" });

    await userEvent.type(screen.getByLabelText("E-mail"), "ann@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Send the link" }));

    expect(await screen.findByRole("status")).toHaveTextContent("If an account uses this address");
    expect(await bodyOf(server.requests[0])).toEqual({ email: "ann@example.com" });
  });

  it("the reset link sets a new password, and a used link says so and offers a new one", async () => {
    let used = false;
    const server = fakeApi({
      "POST /v1/auth/password-reset/confirm": () => {
        if (used) return json({ status: 400, code: "invalid_token" }, 400);
        used = true;
        return json(null, 204);
      },
    });
    vi.stubGlobal("fetch", server.fetch);
    const first = await renderAt(<ResetPasswordPage />, { path: "/reset-password?token=tok123", pattern: "/reset-password" });

    await userEvent.type(screen.getByLabelText("New password"), "a brand new password");
    await userEvent.click(screen.getByRole("button", { name: "Set the new password" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Your password has been changed");
    expect(await bodyOf(server.requests[0])).toEqual({ token: "tok123", password: "a brand new password" });
    first.unmount();

    await renderAt(<ResetPasswordPage />, { path: "/reset-password?token=tok123", pattern: "/reset-password" });
    await userEvent.type(screen.getByLabelText("New password"), "another new password");
    await userEvent.click(screen.getByRole("button", { name: "Set the new password" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This link is unknown, already used or expired.");
    expect(screen.getByRole("link", { name: "Ask for a new link" })).toHaveAttribute("href", "/forgot-password");
  });

  it("the verification link confirms the address as the page opens, in Russian too", async () => {
    const server = fakeApi({ "POST /v1/auth/verify-email": () => json({ ...me, email_verified: true }) });
    vi.stubGlobal("fetch", server.fetch);
    await renderAt(<VerifyEmailPage />, { path: "/verify-email?token=v1", pattern: "/verify-email", language: "ru" });

    expect(await screen.findByText("Спасибо: адрес ann@example.com подтверждён.")).toBeInTheDocument();
    expect(await bodyOf(server.requests[0])).toEqual({ token: "v1" });
  });

  it("an unconfirmed account sees a banner that sends the link again", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
      "GET /v1/auth/me": () => json(me),
      "POST /v1/auth/verify-email/request": () => json({ status: "accepted" }, 202),
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "pw");
    await renderAt(<VerifyBanner />);

    expect(await screen.findByText("Please confirm your e-mail address: we sent a link to ann@example.com.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Send the link again" }));
    expect(await screen.findByRole("status")).toHaveTextContent("A new link is on its way.");
  });
});
