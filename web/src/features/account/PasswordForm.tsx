import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ProblemMessage } from "../../components/ProblemMessage";
import { useUpdateMe } from "./useUpdateMe";

/** A password change ends every session of the account, this one's access token too: the client's refresh
 * then fails and the person signs in again with the new password. */
export function PasswordForm() {
  const { t } = useTranslation();
  const update = useUpdateMe();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    update.mutate({ current_password: String(form.get("current_password")), password: String(form.get("password")) });
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="password-heading">
      <h2 id="password-heading">{t("account.password")}</h2>
      <label>{t("fields.current_password")}<input name="current_password" type="password" autoComplete="current-password" required /></label>
      <label>{t("fields.new_password")}<input name="password" type="password" autoComplete="new-password" minLength={8} maxLength={128} required /></label>
      <ProblemMessage error={update.error} />
      {update.isSuccess && <p role="status">{t("account.passwordChanged")}</p>}
      <button type="submit" disabled={update.isPending}>{t("account.changePassword")}</button>
    </form>
  );
}
