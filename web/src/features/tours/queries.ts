import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

export function useTour(tourId: string) {
  return useQuery({
    queryKey: ["tour", tourId],
    queryFn: async () => unwrap(await api.GET("/v1/tours/{tour_id}", { params: { path: { tour_id: tourId } } })),
  });
}

/** Open and closed departures with their seats left, refreshed while the page is open (seats sell live). */
export function useDepartures(tourId: string | undefined) {
  return useQuery({
    queryKey: ["departures", tourId],
    queryFn: async () => unwrap(await api.GET("/v1/tours/{tour_id}/departures", {
      params: { path: { tour_id: tourId! }, query: { limit: 100 } },
    })),
    enabled: Boolean(tourId),
    refetchInterval: 15_000,
    staleTime: 0,
  });
}
