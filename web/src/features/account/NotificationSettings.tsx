import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { ProblemMessage } from "../../components/ProblemMessage";

const CHANNELS = ["email", "telegram", "webhook"] as const;
type Channel = (typeof CHANNELS)[number];

/** One switch per channel; each change is saved at once (the server changes only the channel sent). */
export function NotificationSettings() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const settings = useQuery({
    queryKey: ["notification-settings"],
    queryFn: async () => unwrap(await api.GET("/v1/users/me/notifications")),
  });
  const change = useMutation({
    mutationFn: async (body: Partial<Record<Channel, boolean>>) =>
      unwrap(await api.PATCH("/v1/users/me/notifications", { body })),
    onSuccess: (saved) => queries.setQueryData(["notification-settings"], saved),
  });
  return (
    <section aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">{t("account.notifications")}</h2>
      <ProblemMessage error={settings.error ?? change.error} />
      {settings.data && (
        <fieldset>
          <legend>{t("account.notifyBy")}</legend>
          {CHANNELS.map((channel) => (
            <label key={channel}>
              <input type="checkbox" checked={settings.data[channel]} disabled={change.isPending}
                onChange={(event) => change.mutate({ [channel]: event.currentTarget.checked })} />{" "}
              {t(`account.channels.${channel}`)}
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
