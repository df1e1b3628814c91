import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";

/** Ask for a reset link; the answer is the same whether the address has an account or not. */
export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const request = useMutation({
    mutationFn: async (email: string) => unwrap(await api.POST("/v1/auth/password-reset", { body: { email } })),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    request.mutate(String(new FormData(event.currentTarget).get("email")).trim());
  }

  return (
    <Page title={t("recovery.forgotTitle")}>
      {request.isSuccess ? (
        <p role="status">{t("recovery.linkSent")}</p>
      ) : (
        <form onSubmit={submit} className="stack">
          <p>{t("recovery.forgotIntro")}</p>
          <label>{t("fields.email")}<input name="email" type="email" autoComplete="email" required /></label>
          <ProblemMessage error={request.error} />
          <button type="submit" disabled={request.isPending}>{t("recovery.sendLink")}</button>
        </form>
      )}
      <p><Link to="/sign-in">{t("recovery.backToSignIn")}</Link></p>
    </Page>
  );
}
