import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { TourCard } from "../tours/TourCard";
import { useFavourites } from "./queries";

export function FavouritesPage() {
  const { t } = useTranslation();
  return (
    <RequireUser>
      <Page title={t("favourites.title")}>
        <Favourites />
      </Page>
    </RequireUser>
  );
}

function Favourites() {
  const { t } = useTranslation();
  const favourites = useFavourites();
  return (
    <>
      <ProblemMessage error={favourites.error} />
      {favourites.data?.items.length === 0 && <p>{t("favourites.none")}</p>}
      <div className="cards">
        {favourites.data?.items.map((tour) => <TourCard key={tour.id} tour={tour} />)}
      </div>
    </>
  );
}
