import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/problem";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx will not change by asking again; a network blip or a 503 may.
        retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status < 500 && error.status > 0),
      },
    },
  });
}
