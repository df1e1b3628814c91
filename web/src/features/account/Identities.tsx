import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { ProblemMessage } from "../../components/ProblemMessage";
import { formatMoment } from "../../i18n/format";

/** The providers linked to the account; unlinking the last way in is refused by the server (last_login_method). */
export function Identities() {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const identities = useQuery({
    queryKey: ["identities"],
    queryFn: async () => unwrap(await api.GET("/v1/users/me/identities")),
  });
  const unlink = useMutation({
    mutationFn: async (provider: string) =>
      unwrap(await api.DELETE("/v1/users/me/identities/{provider}", { params: { path: { provider } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["identities"] }),
  });
  const items = identities.data?.items ?? [];
  return (
    <section aria-labelledby="identities-heading">
      <h2 id="identities-heading">{t("account.identities")}</h2>
      <ProblemMessage error={identities.error ?? unlink.error} />
      {identities.isSuccess && items.length === 0 && <p>{t("account.noIdentities")}</p>}
      <ul>
        {items.map((identity) => (
          <li key={identity.provider}>
            {identity.provider} {identity.email ? `(${identity.email})` : ""} · {formatMoment(identity.linked_at, i18n.language)}{" "}
            <button type="button" disabled={unlink.isPending} onClick={() => unlink.mutate(identity.provider)}
              aria-label={t("account.unlinkProvider", { provider: identity.provider })}>
              {t("account.unlink")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
