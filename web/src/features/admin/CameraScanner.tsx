import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";

interface DetectedBarcode { rawValue: string }
interface BarcodeDetectorLike { detect(source: HTMLVideoElement): Promise<DetectedBarcode[]> }
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;

function detectorClass(): BarcodeDetectorClass | undefined {
  return (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
}

/** Only where the browser reads QR codes itself (Chromium on Android, macOS...): no decoder is shipped. */
export function canScan(): boolean {
  return detectorClass() !== undefined && Boolean(navigator.mediaDevices?.getUserMedia);
}

export function CameraScanner({ onCode, onStop }: { onCode: (code: string) => void; onStop: () => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  // The camera starts once per scanner: the parent's callbacks may change on every render.
  const callbacks = useRef({ onCode, onStop });
  callbacks.current = { onCode, onStop };
  useEffect(() => {
    const Detector = detectorClass();
    let stream: MediaStream | undefined;
    let frame = 0;
    let stopped = false;
    async function start() {
      if (!Detector || !video.current) return;
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.current.srcObject = stream;
      await video.current.play();
      const detector = new Detector({ formats: ["qr_code"] });
      const look = async () => {
        if (stopped || !video.current) return;
        const [found] = await detector.detect(video.current).catch(() => []);
        if (found?.rawValue) callbacks.current.onCode(found.rawValue);
        else frame = requestAnimationFrame(() => void look());
      };
      await look();
    }
    start().catch(() => callbacks.current.onStop());
    return () => {
      stopped = true;
      cancelAnimationFrame(frame);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);
  return (
    <div className="scanner">
      <video ref={video} muted playsInline aria-label={t("admin.camera")} width={320} height={240} />
      <button type="button" onClick={onStop}>{t("admin.stopScan")}</button>
    </div>
  );
}
