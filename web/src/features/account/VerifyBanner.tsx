import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useMe } from "../../app/session";
import { ProblemMessage } from "../../components/ProblemMessage";

/** For a signed-in account whose address is not confirmed yet: say so, and send the link again on request. */
export function VerifyBanner() {
  const { t } = useTranslation();
  const { user } = useMe();
  const resend = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/auth/verify-email/request")),
  });
  if (!user || user.email_verified) return null;
  return (
    <div className="banner">
      <p>{t("verify.banner", { email: user.email })}</p>
      {resend.isSuccess ? (
        <p role="status">{t("verify.resent")}</p>
      ) : (
        <button type="button" onClick={() => resend.mutate()} disabled={resend.isPending}>{t("verify.resend")}</button>
      )}
      <ProblemMessage error={resend.error} />
    </div>
  );
}
