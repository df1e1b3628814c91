// The browser session (API.md, Browser sessions): the access token lives in this module's memory only; the
// refresh token is the HttpOnly `tb_refresh` cookie, which the browser sends to /v1/auth/session alone.
import type { components } from "./schema";

type SessionOut = components["schemas"]["SessionOut"];
export type SessionStatus = "loading" | "signed-in" | "signed-out";

const CSRF_HEADER = { "X-Requested-With": "tourbook" };
// Refresh this long before the token expires, so a request never leaves with a token about to die.
const EARLY_SECONDS = 30;

// Not a token: only whether this browser had a session, so a first visit does not ask for a refresh it cannot get.
const HINT_KEY = "tourbook.session";

let accessToken: string | null = null;
let status: SessionStatus = "loading";
let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

export function getAccessToken(): string | null {
  return accessToken;
}

export function getStatus(): SessionStatus {
  return status;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setSession(session: SessionOut | null): void {
  clearTimeout(timer);
  accessToken = session?.access_token ?? null;
  status = session ? "signed-in" : "signed-out";
  if (session) globalThis.localStorage?.setItem(HINT_KEY, "1");
  else globalThis.localStorage?.removeItem(HINT_KEY);
  if (session) {
    const delay = Math.max(session.expires_in - EARLY_SECONDS, 5) * 1000;
    timer = setTimeout(() => void refresh(), delay);
  }
  listeners.forEach((listener) => listener());
}

function origin(): string {
  return globalThis.location.origin;
}

/** Sign in with e-mail and password; the answer's problem (401, 403, 429...) is the caller's to show. */
export async function signIn(email: string, password: string): Promise<Response> {
  const response = await fetch(`${origin()}/v1/auth/session`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (response.ok) setSession((await response.clone().json()) as SessionOut);
  return response;
}

/** Finish a sign-in through another provider: trade the callback's one-minute login code for a browser session
 * (the access token here, the refresh token in the HttpOnly cookie, as with a password). */
export async function exchangeLoginCode(loginCode: string): Promise<Response> {
  const response = await fetch(`${origin()}/v1/auth/oauth/exchange`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", ...CSRF_HEADER },
    body: JSON.stringify({ login_code: loginCode }),
  });
  if (response.ok) setSession((await response.clone().json()) as SessionOut);
  return response;
}

/** A new access token from the cookie; false (and signed out) when the cookie is missing, dead or revoked.
 * One refresh at a time, across tabs too where the browser has Web Locks: two tabs sending the same cookie at
 * once would look like a stolen refresh token and end the session. */
export function refresh(): Promise<boolean> {
  inFlight ??= withLock(async () => {
    try {
      const response = await fetch(`${origin()}/v1/auth/session/refresh`, {
        method: "POST",
        credentials: "same-origin",
        headers: CSRF_HEADER,
      });
      if (response.ok) {
        setSession((await response.json()) as SessionOut);
        return true;
      }
      // 5xx and 429 keep whatever we had: the session may well be alive, the server is not.
      if (response.status === 401 || response.status === 403) setSession(null);
      else if (status === "loading") setSession(null);
      return response.ok;
    } catch {
      if (status === "loading") setSession(null);
      return false;
    }
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

export async function signOut(): Promise<void> {
  try {
    await fetch(`${origin()}/v1/auth/session`, {
      method: "DELETE",
      credentials: "same-origin",
      headers: CSRF_HEADER,
    });
  } finally {
    setSession(null);
  }
}

async function withLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks;
  if (!locks) return task();
  return locks.request("tourbook-session-refresh", task) as Promise<T>;
}

/** On load: resume the session this browser had (its cookie), else be signed out at once. */
export function resume(): Promise<boolean> {
  if (globalThis.localStorage?.getItem(HINT_KEY)) return refresh();
  setSession(null);
  return Promise.resolve(false);
}

/** For tests: forget everything. */
export function resetSession(): void {
  clearTimeout(timer);
  accessToken = null;
  status = "loading";
  inFlight = null;
  listeners.forEach((listener) => listener());
}
