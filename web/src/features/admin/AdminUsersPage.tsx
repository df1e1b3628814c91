import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { Page } from "../../components/Page";
import { Pager } from "../../components/Pager";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";

type User = components["schemas"]["UserOut"];
type Role = components["schemas"]["AdminUserUpdate"]["role"];
const ROLES = ["user", "guide", "admin"] as const;

export function AdminUsersPage() {
  const { t } = useTranslation();
  return (
    <RequireUser roles={["admin"]}>
      <Page title={t("admin.users")}><Users /></Page>
    </RequireUser>
  );
}

function Users() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") || undefined;
  const cursor = params.get("cursor") ?? undefined;
  const users = useQuery({
    queryKey: ["users", q, cursor],
    queryFn: async () => unwrap(await api.GET("/v1/admin/users", { params: { query: { q, cursor, limit: 50 } } })),
  });

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get("q")).trim();
    setParams(value ? { q: value } : {});
  }

  return (
    <>
      <form role="search" onSubmit={search} className="inline" key={q}>
        <label>{t("admin.searchUsers")}<input name="q" type="search" defaultValue={q} /></label>
        <button type="submit">{t("search.submit")}</button>
      </form>
      <ProblemMessage error={users.error} />
      <table>
        <thead><tr><th scope="col">{t("fields.email")}</th><th scope="col">{t("fields.full_name")}</th><th scope="col">{t("admin.role")}</th><th scope="col">{t("admin.active")}</th></tr></thead>
        <tbody>{users.data?.items.map((user) => <UserRow key={user.id} user={user} />)}</tbody>
      </table>
      <Pager nextCursor={users.data?.next_cursor} />
    </>
  );
}

function UserRow({ user }: { user: User }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const update = useMutation({
    mutationFn: async (body: components["schemas"]["AdminUserUpdate"]) => unwrap(await api.PATCH(
      "/v1/admin/users/{user_id}", { params: { path: { user_id: user.id } }, body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <tr>
      <td>{user.email}</td>
      <td>{user.full_name}</td>
      <td>
        <select aria-label={t("admin.roleOf", { email: user.email })} value={user.role} disabled={update.isPending}
          onChange={(e) => update.mutate({ role: e.target.value as Role })}>
          {ROLES.map((role) => <option key={role} value={role}>{t(`admin.roles.${role}`)}</option>)}
        </select>
        <ProblemMessage error={update.error} />
      </td>
      <td>
        <button type="button" disabled={update.isPending} onClick={() => update.mutate({ is_active: !user.is_active })}
          aria-label={t(user.is_active ? "admin.deactivateUser" : "admin.activateUser", { email: user.email })}>
          {user.is_active ? t("admin.deactivate") : t("admin.activate")}
        </button>
      </td>
    </tr>
  );
}
