import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { imageType, IMAGE_TYPES, uploadPresigned } from "../account/upload";

type Tour = components["schemas"]["TourOut"];

export function ImagesEditor({ tour }: { tour: Tour }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const upload = useMutation({
    mutationFn: async (file: File) => {
      const type = imageType(file);
      if (!type) throw new ApiError(422, { code: "invalid_upload" });
      const path = { tour_id: tour.id };
      const presigned = unwrap(await api.POST("/v1/tours/{tour_id}/images", { params: { path }, body: { content_type: type } }));
      await uploadPresigned(presigned.upload, file);
      return unwrap(await api.POST("/v1/tours/{tour_id}/images/{image_id}/confirm", {
        params: { path: { ...path, image_id: presigned.image_id } },
      }));
    },
    onSuccess: (saved) => {
      queries.setQueryData(["tour", tour.id], saved);
      queries.setQueryData(["tour", tour.slug], saved);
    },
  });

  const remove = useMutation({
    mutationFn: async (imageId: string) => unwrap(await api.DELETE("/v1/tours/{tour_id}/images/{image_id}", {
      params: { path: { tour_id: tour.id, image_id: imageId } },
    })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["tour"] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get("image");
    if (file instanceof File && file.size > 0) upload.mutate(file);
  }

  return (
    <section aria-labelledby="images-heading">
      <h2 id="images-heading">{t("admin.images")}</h2>
      <ul className="gallery">
        {(tour.images ?? []).map((image, index) => (
          <li key={image.id}>
            <img src={image.thumbnails["320"] ?? image.url} alt={t("tour.image", { title: tour.title, number: index + 1 })}
              width={160} height={100} />
            {!image.thumbnails["320"] && <small>{t("admin.thumbnailsPending")}</small>}
            <button type="button" disabled={remove.isPending} onClick={() => remove.mutate(image.id)}>
              {t("admin.deleteImage", { number: index + 1 })}
            </button>
          </li>
        ))}
      </ul>
      <ProblemMessage error={remove.error} />
      <form onSubmit={submit} className="stack">
        <label>{t("admin.imageFile")}<input name="image" type="file" accept={IMAGE_TYPES.join(",")} required /></label>
        <ProblemMessage error={upload.error} />
        <button type="submit" disabled={upload.isPending}>{t("account.upload")}</button>
      </form>
    </section>
  );
}
