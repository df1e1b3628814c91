import { useTranslation } from "react-i18next";
import { useMe } from "../../app/session";
import { ProblemMessage } from "../../components/ProblemMessage";
import { useFavourites, useSetFavourite } from "./queries";

/** A toggle for signed-in travellers: keeps the tour among their favourites, or drops it. */
export function FavouriteButton({ tourId }: { tourId: string }) {
  const { t } = useTranslation();
  const { user } = useMe();
  const favourites = useFavourites(Boolean(user));
  const change = useSetFavourite(tourId);
  if (!user || !favourites.data) return null;
  const kept = favourites.data.items.some((tour) => tour.id === tourId);
  return (
    <p className="favourite">
      <button type="button" aria-pressed={kept} disabled={change.isPending} onClick={() => change.mutate(!kept)}>
        {kept ? t("favourites.remove") : t("favourites.add")}
      </button>
      {kept && <span role="status"> {t("favourites.kept")}</span>}
      <ProblemMessage error={change.error} />
    </p>
  );
}
