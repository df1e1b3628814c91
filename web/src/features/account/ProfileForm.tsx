import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { LANGUAGES } from "../../i18n";
import { useUpdateMe } from "./useUpdateMe";

export function ProfileForm({ user }: { user: components["schemas"]["UserOut"] }) {
  const { t } = useTranslation();
  const update = useUpdateMe();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    update.mutate({
      full_name: String(form.get("full_name")).trim(),
      locale: form.get("locale") === "ru" ? "ru" : "en",
    });
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="profile-heading">
      <h2 id="profile-heading">{t("account.profile")}</h2>
      <p>{t("fields.email")}: {user.email}</p>
      <label>{t("fields.full_name")}<input name="full_name" defaultValue={user.full_name ?? ""} maxLength={200} required /></label>
      <label>{t("fields.locale")}
        <select name="locale" defaultValue={user.locale}>
          {LANGUAGES.map((language) => <option key={language} value={language}>{t(`languages.${language}`)}</option>)}
        </select>
      </label>
      <ProblemMessage error={update.error} />
      {update.isSuccess && <p role="status">{t("account.saved")}</p>}
      <button type="submit" disabled={update.isPending}>{t("common.save")}</button>
    </form>
  );
}
