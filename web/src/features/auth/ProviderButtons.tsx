import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

/** Where a provider sends the browser back to: the landing page that trades the login code. */
export const LANDING_PATH = "/sign-in/callback";

/** One link per configured provider (none configured: nothing at all). A link, not a fetch: the sign-in is a
 * top-level navigation to the provider and back. */
export function ProviderButtons() {
  const { t } = useTranslation();
  const providers = useQuery({
    queryKey: ["oauth-providers"],
    queryFn: async () => unwrap(await api.GET("/v1/auth/oauth/providers")),
    staleTime: 5 * 60_000,
  });
  const items = providers.data?.items ?? [];
  if (items.length === 0) return null;
  const back = encodeURIComponent(`${globalThis.location.origin}${LANDING_PATH}`);
  return (
    <nav aria-label={t("auth.otherProviders")} className="stack">
      {items.map((provider) => (
        <a key={provider.name} className="button" href={`/v1/auth/oauth/${encodeURIComponent(provider.name)}/authorize?redirect_uri=${back}`}>
          {t("auth.continueWith", { provider: provider.display_name })}
        </a>
      ))}
    </nav>
  );
}
