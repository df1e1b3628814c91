// Money and dates through Intl, in the language the page is shown in.

/** `price_cents` is in the currency's minor units: JPY has none, BHD has three. */
export function formatMoney(minorUnits: number, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minorUnits / 10 ** digits);
}

/** The major-unit amount a person types → minor units (for price filters and tour prices). */
export function toMinorUnits(amount: number, currency: string): number {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
  return Math.round(amount * 10 ** digits);
}

export function fromMinorUnits(minorUnits: number, currency: string): number {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
  return minorUnits / 10 ** digits;
}

/** A calendar date (`YYYY-MM-DD`, a departure's day): the same day wherever the reader is. */
export function formatDay(day: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" })
    .format(new Date(`${day}T00:00:00Z`));
}

/** A moment (ISO 8601 UTC), in the reader's own time zone. */
export function formatMoment(moment: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(moment));
}
