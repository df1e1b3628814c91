import type { ReactNode } from "react";
import { render } from "@testing-library/preact";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";
import { setupI18n, type Language } from "../i18n";

/** Render `element` at `path` (matched by `pattern`) with a fresh query cache and the chosen catalog. */
export async function renderAt(element: ReactNode, { path = "/", pattern = "/", language = "en" as Language } = {}) {
  await setupI18n(language);
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const routes: RouteObject[] = [{ path: pattern, element }];
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(<QueryClientProvider client={queries}><RouterProvider router={router} /></QueryClientProvider>);
  return { ...view, router };
}

type Handler = (request: Request) => Response | Promise<Response>;

/** A fake API at the edge (fetch): routes by "METHOD /path", records every request it was sent. */
export function fakeApi(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), location.origin), init);
    requests.push(request.clone());
    const url = new URL(request.url);
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler) return json({ status: 404, code: "not_found", title: "Not found", detail: url.pathname }, 404);
    return handler(request);
  };
  return { fetch, requests };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": type, ...headers } });
}
