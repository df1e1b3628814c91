import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { ProblemMessage } from "../../components/ProblemMessage";
import { formatMoment } from "../../i18n/format";

export function LoginHistory() {
  const { t, i18n } = useTranslation();
  const logins = useQuery({
    queryKey: ["logins"],
    queryFn: async () => unwrap(await api.GET("/v1/users/me/logins", { params: { query: { limit: 10 } } })),
  });
  return (
    <section aria-labelledby="logins-heading">
      <h2 id="logins-heading">{t("account.logins")}</h2>
      <ProblemMessage error={logins.error} />
      <table>
        <thead><tr><th scope="col">{t("account.at")}</th><th scope="col">{t("account.ip")}</th><th scope="col">{t("account.agent")}</th><th scope="col">{t("account.result")}</th></tr></thead>
        <tbody>
          {logins.data?.items.map((login) => (
            <tr key={`${login.at}-${login.ip}`}>
              <td>{formatMoment(login.at, i18n.language)}</td><td>{login.ip}</td><td>{login.user_agent}</td>
              <td>{login.success ? t("account.succeeded") : t("account.failed")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
