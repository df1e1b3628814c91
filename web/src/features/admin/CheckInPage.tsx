import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { formatDay } from "../../i18n/format";
import { CameraScanner, canScan } from "./CameraScanner";

export function CheckInPage() {
  const { t } = useTranslation();
  return (
    <RequireUser roles={["admin", "guide"]}>
      <Page title={t("admin.checkIn")}><CheckIn /></Page>
    </RequireUser>
  );
}

function CheckIn() {
  const { t, i18n } = useTranslation();
  const [code, setCode] = useState("");
  const [scanning, setScanning] = useState(false);
  const checkIn = useMutation({
    mutationFn: async (value: string) => unwrap(await api.POST("/v1/admin/check-ins", { body: { code: value } })),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (code.trim()) checkIn.mutate(code.trim());
  }

  function scanned(value: string) {
    setScanning(false);
    setCode(value);
    checkIn.mutate(value);
  }

  return (
    <>
      <form onSubmit={submit} className="stack">
        <label>{t("admin.code")}<input value={code} onChange={(e) => setCode(e.target.value)} required autoComplete="off" /></label>
        <button type="submit" disabled={checkIn.isPending}>{t("admin.checkInButton")}</button>
      </form>
      {canScan() && !scanning && <button type="button" onClick={() => setScanning(true)}>{t("admin.scan")}</button>}
      {scanning && <CameraScanner onCode={scanned} onStop={() => setScanning(false)} />}
      <ProblemMessage error={checkIn.error} />
      {checkIn.data && (
        <p role="status">{t("admin.checkedIn", {
          count: checkIn.data.seats,
          date: formatDay(checkIn.data.starts_on, i18n.language),
          names: checkIn.data.travellers.join(", "),
        })}</p>
      )}
    </>
  );
}
