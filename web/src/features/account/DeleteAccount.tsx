import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { signOut } from "../../api/session";
import { ProblemMessage } from "../../components/ProblemMessage";

export function DeleteAccount() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [sure, setSure] = useState(false);
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/users/me")),
    onSuccess: async () => {
      await signOut();
      queries.clear();
      await navigate("/");
    },
  });
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">{t("account.delete")}</h2>
      <p>{t("account.deleteExplained")}</p>
      <label><input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} /> {t("account.deleteSure")}</label>
      <ProblemMessage error={remove.error} />
      <button type="button" className="danger" disabled={!sure || remove.isPending} onClick={() => remove.mutate()}>
        {t("account.deleteButton")}
      </button>
    </section>
  );
}
