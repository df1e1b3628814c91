import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "./client";
import { getAccessToken, getStatus, resetSession, resume, signIn, signOut } from "./session";
import { fakeApi, json } from "../test/render";

const session = (token: string) => ({ access_token: token, token_type: "bearer", expires_in: 900 });
const me = { id: "u1", email: "ann@example.com", full_name: "Ann", role: "user", is_active: true, created_at: "2026-01-01T00:00:00Z" };

describe("the browser session", () => {
  beforeEach(() => {
    resetSession();
    localStorage.clear();
    sessionStorage.clear();
  });
  afterEach(() => vi.unstubAllGlobals());

  it("keeps the access token in memory only and sends it as a bearer token", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json(session("first")),
      "GET /v1/auth/me": (request) => request.headers.get("Authorization") === "Bearer first" ? json(me) : json({ code: "unauthorized" }, 401),
    });
    vi.stubGlobal("fetch", server.fetch);
    expect((await signIn("ann@example.com", "a long password")).status).toBe(200);
    const { data } = await api.GET("/v1/auth/me");
    expect(data?.email).toBe("ann@example.com");
    const stored = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie;
    expect(stored).not.toContain("first");
  });

  it("refreshes once with the CSRF header on a 401 and retries the request", async () => {
    let refreshes = 0;
    const server = fakeApi({
      "POST /v1/auth/session": () => json(session("old")),
      "POST /v1/auth/session/refresh": (request) => {
        refreshes += 1;
        return request.headers.get("X-Requested-With") === "tourbook" ? json(session("new")) : json({ code: "forbidden" }, 403);
      },
      "GET /v1/auth/me": (request) => request.headers.get("Authorization") === "Bearer new" ? json(me) : json({ code: "token_expired" }, 401),
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "a long password");
    const [first, second] = await Promise.all([api.GET("/v1/auth/me"), api.GET("/v1/auth/me")]);
    expect(first.data?.id).toBe("u1");
    expect(second.data?.id).toBe("u1");
    expect(refreshes).toBe(1);
    expect(getAccessToken()).toBe("new");
  });

  it("is signed out when the refresh cookie is dead, and a first visit asks for nothing", async () => {
    const server = fakeApi({ "POST /v1/auth/session/refresh": () => json({ code: "unauthorized" }, 401) });
    vi.stubGlobal("fetch", server.fetch);
    await resume();
    expect(getStatus()).toBe("signed-out");
    expect(server.requests).toHaveLength(0);
    localStorage.setItem("tourbook.session", "1");
    await resume();
    expect(server.requests.map((r) => new URL(r.url).pathname)).toEqual(["/v1/auth/session/refresh"]);
    expect(getStatus()).toBe("signed-out");
  });

  it("signs out with DELETE and the CSRF header, and forgets the token", async () => {
    const server = fakeApi({
      "POST /v1/auth/session": () => json(session("tok")),
      "DELETE /v1/auth/session": () => new Response(null, { status: 204 }),
    });
    vi.stubGlobal("fetch", server.fetch);
    await signIn("ann@example.com", "a long password");
    await signOut();
    const sent = server.requests.at(-1)!;
    expect([sent.method, sent.headers.get("X-Requested-With")]).toEqual(["DELETE", "tourbook"]);
    expect(getAccessToken()).toBeNull();
    expect(getStatus()).toBe("signed-out");
  });
});
