import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";

/** The reset e-mail's link target: choose a new password (every session of the account ends). */
export function ResetPasswordPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const reset = useMutation({
    mutationFn: async (password: string) =>
      unwrap(await api.POST("/v1/auth/password-reset/confirm", { body: { token, password } })),
  });
  const spent = reset.error instanceof ApiError && reset.error.code === "invalid_token";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    reset.mutate(String(new FormData(event.currentTarget).get("password")));
  }

  return (
    <Page title={t("recovery.resetTitle")}>
      {reset.isSuccess ? (
        <>
          <p role="status">{t("recovery.passwordReset")}</p>
          <p><Link to="/sign-in">{t("auth.signIn")}</Link></p>
        </>
      ) : !token || spent ? (
        <>
          <p role="alert">{t("errors.invalid_token")}</p>
          <p><Link to="/forgot-password">{t("recovery.askAgain")}</Link></p>
        </>
      ) : (
        <form onSubmit={submit} className="stack">
          <label>{t("fields.new_password")}
            <input name="password" type="password" autoComplete="new-password" minLength={8} maxLength={128} required
              aria-describedby="password-hint" />
          </label>
          <p id="password-hint" className="hint">{t("auth.passwordHint")}</p>
          <ProblemMessage error={reset.error} />
          <button type="submit" disabled={reset.isPending}>{t("recovery.setPassword")}</button>
        </form>
      )}
    </Page>
  );
}
