import { useSyncExternalStore } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import { getStatus, subscribe, type SessionStatus } from "../api/session";

export function useSessionStatus(): SessionStatus {
  return useSyncExternalStore(subscribe, getStatus);
}

/** The signed-in user (undefined while loading or signed out). */
export function useMe() {
  const status = useSessionStatus();
  const query = useQuery({
    queryKey: ["me"],
    queryFn: async () => unwrap(await api.GET("/v1/auth/me")),
    enabled: status === "signed-in",
    staleTime: 60_000,
  });
  return { status, user: status === "signed-in" ? query.data : undefined };
}
