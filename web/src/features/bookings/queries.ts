import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

export function useBooking(bookingId: string) {
  return useQuery({
    queryKey: ["booking", bookingId],
    queryFn: async () => unwrap(await api.GET("/v1/bookings/{booking_id}", {
      params: { path: { booking_id: bookingId } },
    })),
  });
}

/** Cancel a booking; every list and seat count that showed it is refetched. */
export function useCancelBooking() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (bookingId: string) => unwrap(await api.POST("/v1/bookings/{booking_id}/cancel", {
      params: { path: { booking_id: bookingId } },
    })),
    onSuccess: async (booking) => {
      queries.setQueryData(["booking", booking.id], booking);
      await queries.invalidateQueries({ queryKey: ["bookings"] });
      await queries.invalidateQueries({ queryKey: ["departures"] });
    },
  });
}
