import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";

export function useUpdateMe() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: components["schemas"]["UserUpdate"]) => unwrap(await api.PATCH("/v1/users/me", { body })),
    onSuccess: (user) => queries.setQueryData(["me"], user),
  });
}
