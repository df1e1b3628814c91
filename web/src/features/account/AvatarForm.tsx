import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { imageType, IMAGE_TYPES, uploadPresigned } from "./upload";

export function AvatarForm({ user }: { user: components["schemas"]["UserOut"] }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const upload = useMutation({
    mutationFn: async (file: File) => {
      const type = imageType(file);
      if (!type) throw new ApiError(422, { code: "invalid_upload" });
      const presigned = unwrap(await api.POST("/v1/users/me/avatar", { body: { content_type: type } }));
      await uploadPresigned(presigned.upload, file);
      return unwrap(await api.POST("/v1/users/me/avatar/confirm", { body: { key: presigned.key } }));
    },
    onSuccess: (me) => queries.setQueryData(["me"], me),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get("avatar");
    if (file instanceof File && file.size > 0) upload.mutate(file);
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="avatar-heading">
      <h2 id="avatar-heading">{t("account.avatar")}</h2>
      {user.avatar_url && <img src={user.avatar_url} alt={t("account.avatarAlt")} width={96} height={96} className="avatar" />}
      <label>{t("account.avatarFile")}<input name="avatar" type="file" accept={IMAGE_TYPES.join(",")} required /></label>
      <ProblemMessage error={upload.error} />
      <button type="submit" disabled={upload.isPending}>{t("account.upload")}</button>
    </form>
  );
}
