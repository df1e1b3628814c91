import { useTranslation } from "react-i18next";
import { ApiError } from "../api/problem";

/** An API problem as a sentence from the catalog (never the server's English title), with the fields at fault. */
export function ProblemMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : "network_error";
  const fields = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  return (
    <div role="alert" className="problem">
      <p>{t(`errors.${code}`, { defaultValue: t("errors.unknown") })}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((field) => {
            const name = String(field.loc[field.loc.length - 1] ?? "");
            return <li key={field.loc.join(".")}>{t(`fields.${name}`, { defaultValue: name })}: {t("errors.invalid_field")}</li>;
          })}
        </ul>
      )}
    </div>
  );
}
