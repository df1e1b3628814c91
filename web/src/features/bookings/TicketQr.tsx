import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import QRCode from "qrcode";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { ProblemMessage } from "../../components/ProblemMessage";

const SIZE = 288; // px: scannable from a phone held at arm's length

/** The check-in code of a confirmed booking, as a QR code drawn here and as text to read out or paste. */
export function TicketQr({ bookingId }: { bookingId: string }) {
  const { t } = useTranslation();
  const ticket = useQuery({
    queryKey: ["ticket", bookingId],
    queryFn: async () => {
      const data = unwrap(await api.GET("/v1/bookings/{booking_id}/ticket", {
        params: { path: { booking_id: bookingId } },
      }));
      const svg = await QRCode.toString(data.code, { type: "svg", margin: 4, errorCorrectionLevel: "M" });
      return { code: data.code, image: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` };
    },
    staleTime: Infinity,
  });
  if (ticket.error) return <ProblemMessage error={ticket.error} />;
  if (!ticket.data) return <p role="status">{t("common.loading")}</p>;
  return (
    <figure className="ticket">
      <img src={ticket.data.image} width={SIZE} height={SIZE} alt={t("booking.qrAlt")} />
      <figcaption>{t("booking.code")} <code>{ticket.data.code}</code></figcaption>
    </figure>
  );
}
