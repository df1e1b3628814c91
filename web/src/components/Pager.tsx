import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";

/** Cursor paging kept in the URL: each page is an address, so back/forward and shared links work. */
export function Pager({ nextCursor }: { nextCursor: string | null | undefined }) {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const first = new URLSearchParams(params);
  first.delete("cursor");
  const next = new URLSearchParams(params);
  if (nextCursor) next.set("cursor", nextCursor);
  return (
    <nav aria-label={t("pager.label")} className="pager">
      {params.has("cursor") && <Link to={{ search: first.toString() }}>{t("pager.first")}</Link>}
      {nextCursor && <Link to={{ search: next.toString() }} rel="next">{t("pager.next")}</Link>}
    </nav>
  );
}
