import { useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A page: its heading, and the document title people see in tabs and history. */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
  }, [title, t]);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  );
}
