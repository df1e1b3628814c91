import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, unwrap, type Problem } from "../../api/problem";
import { signIn } from "../../api/session";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";

type Account = { email: string; password: string; full_name?: string; locale: "en" | "ru" };

export function SignUpPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const register = useMutation({
    mutationFn: async (account: Account) => {
      unwrap(await api.POST("/v1/auth/register", { body: account }));
      const response = await signIn(account.email, account.password);
      if (!response.ok) throw new ApiError(response.status, (await response.json()) as Partial<Problem>);
    },
    onSuccess: () => navigate("/"),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("full_name")).trim();
    register.mutate({
      email: String(form.get("email")),
      password: String(form.get("password")),
      locale: i18n.language === "ru" ? "ru" : "en", // the e-mails speak the language the account was made in
      ...(name ? { full_name: name } : {}),
    });
  }

  return (
    <Page title={t("auth.signUpTitle")}>
      <form onSubmit={submit} className="stack">
        <label>{t("fields.full_name")}<input name="full_name" autoComplete="name" maxLength={200} /></label>
        <label>{t("fields.email")}<input name="email" type="email" autoComplete="email" required /></label>
        <label>{t("fields.password")}
          <input name="password" type="password" autoComplete="new-password" minLength={8} maxLength={128} required
            aria-describedby="password-hint" />
        </label>
        <p id="password-hint" className="hint">{t("auth.passwordHint")}</p>
        <ProblemMessage error={register.error} />
        <button type="submit" disabled={register.isPending}>{t("auth.signUp")}</button>
      </form>
      <p><Link to="/sign-in">{t("auth.haveAccount")}</Link></p>
    </Page>
  );
}
