import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

/** An API answer that is not 2xx, carrying its problem+json body (or a stand-in when the body is not one). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Partial<Problem>;

  constructor(status: number, problem: Partial<Problem> | undefined) {
    const code = problem?.code ?? (status === 0 ? "network_error" : "internal_error");
    super(problem?.detail ?? code);
    this.status = status;
    this.code = code;
    this.problem = problem ?? {};
  }
}

/** openapi-fetch's `{data, error, response}` → the data, or an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error as Partial<Problem> | undefined);
  }
  return result.data as T;
}
