import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { Page } from "../../components/Page";
import { ProblemMessage } from "../../components/ProblemMessage";
import { RequireUser } from "../../components/RequireUser";
import { useTour } from "../tours/queries";
import { DeparturesEditor } from "./DeparturesEditor";
import { ImagesEditor } from "./ImagesEditor";
import { TourForm, type TourFields } from "./TourForm";

export function TourEditPage() {
  const { tourId } = useParams();
  return <RequireUser roles={["admin"]}>{tourId ? <EditTour tourId={tourId} /> : <NewTour />}</RequireUser>;
}

function NewTour() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: async (body: TourFields) => unwrap(await api.POST("/v1/tours", { body })),
    onSuccess: (tour) => navigate(`/admin/tours/${tour.id}`),
  });
  return (
    <Page title={t("admin.newTour")}>
      <TourForm error={create.error} pending={create.isPending} onSubmit={(fields) => create.mutate(fields)} />
    </Page>
  );
}

function EditTour({ tourId }: { tourId: string }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const tour = useTour(tourId);
  const update = useMutation({
    mutationFn: async (body: TourFields) => unwrap(await api.PATCH("/v1/tours/{tour_id}", {
      params: { path: { tour_id: tour.data!.id } }, body,
    })),
    onSuccess: async (saved) => {
      queries.setQueryData(["tour", tourId], saved);
      await queries.invalidateQueries({ queryKey: ["tours"] });
    },
  });
  if (tour.error) return <Page title={t("tour.notFound")}><ProblemMessage error={tour.error} /></Page>;
  if (!tour.data) return <p role="status">{t("common.loading")}</p>;
  return (
    <Page title={tour.data.title}>
      <p>
        {tour.data.is_published ? t("admin.published") : t("admin.draft")}
        {tour.data.is_published && <> · <Link to={`/tours/${tour.data.id}`}>{t("admin.viewPublic")}</Link></>}
      </p>
      {update.isSuccess && <p role="status">{t("account.saved")}</p>}
      <TourForm key={tour.data.updated_at} tour={tour.data} error={update.error} pending={update.isPending}
        onSubmit={(fields) => update.mutate(fields)} />
      <ImagesEditor tour={tour.data} />
      <DeparturesEditor tourId={tour.data.id} />
    </Page>
  );
}
