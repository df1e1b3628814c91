import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { ApiError, type Problem } from "../../api/problem";
import { signIn } from "../../api/session";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { ProviderButtons } from "./ProviderButtons";

/** Only a path of this app: `?next=https://elsewhere` must not send a person off-site after signing in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useMutation({
    mutationFn: async ({ email, password }: { email: string; password: string }) => {
      const response = await signIn(email, password);
      if (!response.ok) {
        const problem = (await response.json().catch(() => undefined)) as Partial<Problem> | undefined;
        throw new ApiError(response.status, problem);
      }
    },
    onSuccess: () => navigate(safeNext(params.get("next"))),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    session.mutate({ email: String(form.get("email")), password: String(form.get("password")) });
  }

  return (
    <Page title={t("auth.signInTitle")}>
      <form onSubmit={submit} className="stack">
        <label>{t("fields.email")}<input name="email" type="email" autoComplete="username" required /></label>
        <label>{t("fields.password")}<input name="password" type="password" autoComplete="current-password" required /></label>
        <ProblemMessage error={session.error} />
        <button type="submit" disabled={session.isPending}>{t("auth.signIn")}</button>
      </form>
      <p><Link to="/forgot-password">{t("recovery.forgotLink")}</Link></p>
      <ProviderButtons />
      <p><Link to="/sign-up">{t("auth.noAccount")}</Link></p>
    </Page>
  );
}
