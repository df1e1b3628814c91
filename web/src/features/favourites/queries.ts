import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

/** The caller's favourites (the first 100: enough to tell whether a tour is one of them). */
export function useFavourites(enabled = true) {
  return useQuery({
    queryKey: ["favourites"],
    queryFn: async () => unwrap(await api.GET("/v1/users/me/favourites", { params: { query: { limit: 100 } } })),
    enabled,
  });
}

/** Keep (`true`) or drop (`false`) a tour; the list is read again afterwards. */
export function useSetFavourite(tourId: string) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (keep: boolean) => {
      const params = { path: { tour_id: tourId } };
      if (keep) unwrap(await api.PUT("/v1/users/me/favourites/{tour_id}", { params }));
      else unwrap(await api.DELETE("/v1/users/me/favourites/{tour_id}", { params }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ["favourites"] }),
  });
}
