import { useTranslation } from "react-i18next";
import { isRouteErrorResponse, Link, useRouteError } from "react-router";

export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError();
  const missing = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main id="main" className="page">
      <h1>{missing ? t("errors.page_not_found") : t("errors.unknown")}</h1>
      <Link to="/">{t("nav.tours")}</Link>
    </main>
  );
}
