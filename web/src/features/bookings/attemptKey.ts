import { useMemo } from "react";

function randomKey(): string {
  // getRandomValues works on plain http too, where crypto.randomUUID does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** One Idempotency-Key per attempt: the same request sent twice (a double click, a retry after a dropped
 * answer) carries the same key and so books or pays once; a changed request is a new attempt. */
export function useAttemptKey(request: unknown): string {
  const fingerprint = JSON.stringify(request);
  return useMemo(() => randomKey(), [fingerprint]);
}
