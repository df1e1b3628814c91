import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { ProblemMessage } from "../../components/ProblemMessage";

/** A deep link to the bot (single use, 15 minutes): opening it and pressing Start links that chat. */
export function TelegramLink() {
  const { t } = useTranslation();
  const link = useMutation({ mutationFn: async () => unwrap(await api.POST("/v1/users/me/telegram")) });
  const unlink = useMutation({ mutationFn: async () => unwrap(await api.DELETE("/v1/users/me/telegram")) });
  return (
    <section aria-labelledby="telegram-heading">
      <h2 id="telegram-heading">{t("account.telegram")}</h2>
      <p>{t("account.telegramExplained")}</p>
      <ProblemMessage error={link.error ?? unlink.error} />
      {link.data && (
        <p><a href={link.data.url} target="_blank" rel="noopener noreferrer">{t("account.telegramOpen")}</a></p>
      )}
      {unlink.isSuccess && <p role="status">{t("account.telegramUnlinked")}</p>}
      <button type="button" disabled={link.isPending} onClick={() => { unlink.reset(); link.mutate(); }}>
        {t("account.telegramLink")}
      </button>{" "}
      <button type="button" disabled={unlink.isPending} onClick={() => { link.reset(); unlink.mutate(); }}>
        {t("account.telegramUnlink")}
      </button>
    </section>
  );
}
