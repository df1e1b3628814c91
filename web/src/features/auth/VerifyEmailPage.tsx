import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useMe } from "../../app/session";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";

/** The verification e-mail's link target: the address is confirmed as the page opens. */
export function VerifyEmailPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const queries = useQueryClient();
  const { user } = useMe();
  const verify = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/auth/verify-email", { body: { token } })),
    onSuccess: (verified) => {
      if (user?.id === verified.id) queries.setQueryData(["me"], verified);
    },
  });
  const { mutate } = verify;
  useEffect(() => {
    if (token) mutate();
  }, [token, mutate]);

  return (
    <Page title={t("verify.title")}>
      {verify.isSuccess && <p role="status">{t("verify.done", { email: verify.data.email })}</p>}
      {verify.isPending && <p role="status">{t("common.loading")}</p>}
      {!token && <p role="alert">{t("errors.invalid_token")}</p>}
      <ProblemMessage error={verify.error} />
      {(verify.isError || !token) && <p>{t("verify.askAgain")}</p>}
      <p><Link to="/">{t("verify.toTours")}</Link></p>
    </Page>
  );
}
