import { screen } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getAccessToken, resetSession } from "../../api/session";
import { fakeApi, json, renderAt } from "../../test/render";
import { OAuthLandingPage } from "./OAuthLandingPage";
import { SignInPage } from "./SignInPage";

describe("signing in with another provider", () => {
  beforeEach(() => resetSession());
  afterEach(() => vi.unstubAllGlobals());

  it("a person sees one button per configured provider, each starting the provider's sign-in", async () => {
    vi.stubGlobal("fetch", fakeApi({
      "GET /v1/auth/oauth/providers": () => json({ items: [{ name: "google", display_name: "Google" }, { name: "yandex", display_name: "Yandex" }] }),
    }).fetch);
    await renderAt(<SignInPage />, { path: "/sign-in", pattern: "/sign-in" });
    const google = await screen.findByRole("link", { name: "Continue with Google" });
    const href = new URL(google.getAttribute("href") ?? "", location.origin);
    expect(href.pathname).toBe("/v1/auth/oauth/google/authorize");
    expect(href.searchParams.get("redirect_uri")).toBe(`${location.origin}/sign-in/callback`);
    expect(screen.getByRole("link", { name: "Continue with Yandex" })).toBeInTheDocument();
  });

  it("with no provider configured there is no button at all", async () => {
    const server = fakeApi({ "GET /v1/auth/oauth/providers": () => json({ items: [] }) });
    vi.stubGlobal("fetch", server.fetch);
    await renderAt(<SignInPage />, { path: "/sign-in", pattern: "/sign-in" });
    await vi.waitFor(() => expect(server.requests.some((r) => r.url.endsWith("/v1/auth/oauth/providers"))).toBe(true));
    expect(screen.queryByRole("navigation", { name: "Sign in with another account" })).toBeNull();
    expect(screen.getByRole("button", { name: "Sign in" })).toBeInTheDocument();
  });

  it("the landing page trades the login code once for a session and goes home", async () => {
    const server = fakeApi({
      "POST /v1/auth/oauth/exchange": () => json({ access_token: "tok", token_type: "bearer", expires_in: 900 }),
    });
    vi.stubGlobal("fetch", server.fetch);
    const { router } = await renderAt(<OAuthLandingPage />, { path: "/sign-in/callback?login_code=abc", pattern: "/sign-in/callback" });
    await vi.waitFor(() => expect(getAccessToken()).toBe("tok"));
    const exchanges = server.requests.filter((r) => r.url.endsWith("/v1/auth/oauth/exchange"));
    expect(exchanges).toHaveLength(1);
    expect(await exchanges[0]!.json()).toEqual({ login_code: "abc" });
    expect(exchanges[0]!.headers.get("X-Requested-With")).toBe("tourbook");
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/"));
  });

  it("a refused sign-in is explained in the person's language", async () => {
    vi.stubGlobal("fetch", fakeApi({}).fetch);
    await renderAt(<OAuthLandingPage />, { path: "/sign-in/callback?error=link_required", pattern: "/sign-in/callback", language: "ru" });
    expect(await screen.findByRole("alert")).toHaveTextContent("Войдите с паролем и подтвердите адрес почты");
    expect(screen.getByRole("link", { name: "Вернуться ко входу" })).toBeInTheDocument();
  });
});
