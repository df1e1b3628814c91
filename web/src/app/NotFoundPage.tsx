import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page } from "../components/Page";

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Page title={t("errors.page_not_found")}>
      <Link to="/">{t("nav.tours")}</Link>
    </Page>
  );
}
