import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { useMe } from "../app/session";

/** Children only for a signed-in user (of one of `roles`, when given); else sign in first, then come back. */
export function RequireUser({ roles, children }: { roles?: string[]; children: ReactNode }) {
  const { t } = useTranslation();
  const { status, user } = useMe();
  const location = useLocation();
  if (status === "signed-out") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  if (!user) return <p role="status">{t("common.loading")}</p>;
  if (roles && !roles.includes(user.role)) return <p role="alert">{t("errors.forbidden")}</p>;
  return children;
}
