import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { getAccessToken, getStatus, refresh } from "./session";

/** fetch with the in-memory access token; a 401 on a signed-in request refreshes once and retries. */
async function authorisedFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const token = getAccessToken();
  if (token) request.headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(request);
  if (response.status !== 401 || !token || getStatus() !== "signed-in") return response;
  if (!(await refresh())) return response;
  retry.headers.set("Authorization", `Bearer ${getAccessToken() ?? ""}`);
  return fetch(retry);
}

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  fetch: authorisedFetch,
});
