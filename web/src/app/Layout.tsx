import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate, useNavigation } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { signOut } from "../api/session";
import { VerifyBanner } from "../features/account/VerifyBanner";
import { LANGUAGES, switchLanguage, type Language } from "../i18n";
import { useMe } from "./session";

// Guides (API.md, second wave) check travellers in and read bookings; admins run everything.
const STAFF: readonly string[] = ["admin", "guide"];

export function Layout() {
  const { t, i18n } = useTranslation();
  const { status, user } = useMe();
  const navigation = useNavigation();
  const navigate = useNavigate();
  const queries = useQueryClient();

  async function leave() {
    await signOut();
    queries.clear();
    await navigate("/");
  }

  return (
    <>
      <a className="skip" href="#main">{t("nav.skip")}</a>
      <header className="top">
        <NavLink to="/" className="brand">{t("app.name")}</NavLink>
        <nav aria-label={t("nav.label")}>
          <NavLink to="/" end>{t("nav.tours")}</NavLink>
          {user && <NavLink to="/bookings">{t("nav.bookings")}</NavLink>}
          {user && <NavLink to="/favourites">{t("nav.favourites")}</NavLink>}
          {user && <NavLink to="/support">{t("nav.support")}</NavLink>}
          {user && <NavLink to="/account">{t("nav.account")}</NavLink>}
          {status === "signed-out" && <NavLink to="/sign-in">{t("nav.signIn")}</NavLink>}
          {status === "signed-out" && <NavLink to="/sign-up">{t("nav.signUp")}</NavLink>}
        </nav>
        {user && STAFF.includes(user.role) && (
          <nav aria-label={t("admin.nav")}>
            {user.role === "admin" && <NavLink to="/admin/tours">{t("admin.tours")}</NavLink>}
            <NavLink to="/admin/bookings">{t("admin.bookings")}</NavLink>
            <NavLink to="/admin/check-in">{t("admin.checkIn")}</NavLink>
            {user.role === "admin" && <NavLink to="/admin/tickets">{t("admin.tickets")}</NavLink>}
            {user.role === "admin" && <NavLink to="/admin/users">{t("admin.users")}</NavLink>}
          </nav>
        )}
        <label className="language">
          {t("nav.language")}{" "}
          <select value={i18n.language} onChange={(event) => void switchLanguage(event.target.value as Language)}>
            {LANGUAGES.map((language) => <option key={language} value={language}>{t(`languages.${language}`)}</option>)}
          </select>
        </label>
        {user && <button type="button" onClick={() => void leave()}>{t("nav.signOut")}</button>}
      </header>
      <main id="main" aria-busy={navigation.state === "loading"}>
        {navigation.state === "loading" && <p role="status" className="loading">{t("common.loading")}</p>}
        <VerifyBanner />
        <Outlet />
      </main>
    </>
  );
}
