import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

function secondsUntil(moment: string): number {
  return Math.max(0, Math.ceil((Date.parse(moment) - Date.now()) / 1000));
}

/** The time a hold has left, ticking each second; `onExpired` once it reaches zero. */
export function Countdown({ until, onExpired }: { until: string; onExpired: () => void }) {
  const { t } = useTranslation();
  const [left, setLeft] = useState(() => secondsUntil(until));
  useEffect(() => {
    const tick = setInterval(() => {
      const now = secondsUntil(until);
      setLeft(now);
      if (now === 0) {
        clearInterval(tick);
        onExpired();
      }
    }, 1000);
    return () => clearInterval(tick);
  }, [until, onExpired]);
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  return (
    <p className="countdown">
      {left > 0 ? t("booking.heldFor", { time: `${minutes}:${seconds}` }) : t("booking.holdOver")}
    </p>
  );
}
