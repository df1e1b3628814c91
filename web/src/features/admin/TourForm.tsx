import { type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { components } from "../../api/schema";
import { ProblemMessage } from "../../components/ProblemMessage";
import { fromMinorUnits, toMinorUnits } from "../../i18n/format";

type Tour = components["schemas"]["TourOut"];
export type TourFields = components["schemas"]["TourCreate"];

/** The tour's fields; the price is typed in major units and sent in minor units. */
export function TourForm({ tour, error, pending, onSubmit }: {
  tour?: Tour; error: unknown; pending: boolean; onSubmit: (fields: TourFields) => void;
}) {
  const { t } = useTranslation();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const currency = text("currency").toUpperCase();
    onSubmit({
      title: text("title"),
      description: text("description"),
      country: text("country"),
      city: text("city"),
      duration_days: Number(text("duration_days")),
      price_cents: toMinorUnits(Number(text("price")), currency),
      currency,
      tags: text("tags").split(",").map((tag) => tag.trim()).filter(Boolean),
      is_published: form.get("is_published") === "on",
    });
  }

  return (
    <form onSubmit={submit} className="stack" aria-label={t("admin.tourDetails")}>
      <label>{t("fields.title")}<input name="title" defaultValue={tour?.title} minLength={3} maxLength={200} required /></label>
      <label>{t("fields.description")}<textarea name="description" defaultValue={tour?.description} maxLength={5000} required /></label>
      <label>{t("fields.country")}<input name="country" defaultValue={tour?.country} maxLength={100} required /></label>
      <label>{t("fields.city")}<input name="city" defaultValue={tour?.city} maxLength={100} required /></label>
      <label>{t("fields.duration_days")}<input name="duration_days" type="number" min={1} max={60} defaultValue={tour?.duration_days ?? 1} required /></label>
      <label>{t("fields.price")}<input name="price" type="number" min={0.01} step="0.01" required
        defaultValue={tour ? fromMinorUnits(tour.price_cents, tour.currency) : undefined} /></label>
      <label>{t("fields.currency")}<input name="currency" defaultValue={tour?.currency ?? "EUR"} pattern="[A-Za-z]{3}" required /></label>
      <label>{t("fields.tags")}<input name="tags" defaultValue={tour?.tags.join(", ")} aria-describedby="tags-hint" /></label>
      <p id="tags-hint" className="hint">{t("admin.tagsHint")}</p>
      <label><input name="is_published" type="checkbox" defaultChecked={tour?.is_published ?? false} /> {t("fields.is_published")}</label>
      <ProblemMessage error={error} />
      <button type="submit" disabled={pending}>{tour ? t("common.save") : t("admin.createTour")}</button>
    </form>
  );
}
