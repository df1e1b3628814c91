import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import en from "./en.json";
import ru from "./ru.json";
import { formatDay, formatMoney, toMinorUnits } from "./format";

const PLURAL = /_(zero|one|two|few|many|other)$/;

function keys(catalog: object, prefix = ""): string[] {
  return Object.entries(catalog).flatMap(([key, value]) =>
    typeof value === "object" ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`.replace(PLURAL, "")]);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.includes(".test.") ? [readFileSync(path, "utf8")] : [];
  });
}

describe("the catalogs", () => {
  it("English and Russian have the same keys (plural forms aside)", () => {
    expect(new Set(keys(ru))).toEqual(new Set(keys(en)));
  });

  it("every key the code asks for exists", () => {
    const known = new Set(keys(en));
    const used = sources(join(__dirname, "..")).flatMap((text) =>
      [...text.matchAll(/\bt\(\s*"([a-zA-Z_.-]+)"/g)].map((match) => match[1]!));
    expect(used.length).toBeGreaterThan(100);
    expect(used.filter((key) => !known.has(key))).toEqual([]);
  });
});

describe("formats per locale", () => {
  it("money in minor units, with the currency's own digits", () => {
    expect(formatMoney(199000, "EUR", "en")).toBe("€1,990.00");
    expect(formatMoney(199000, "EUR", "ru")).toMatch(/^1\s990,00\s€$/);
    expect(formatMoney(5000, "JPY", "en")).toBe("¥5,000");
    expect(toMinorUnits(19.9, "EUR")).toBe(1990);
  });

  it("a departure's day is the same day in every time zone", () => {
    expect(formatDay("2026-12-15", "en")).toBe("Dec 15, 2026");
    expect(formatDay("2026-12-15", "ru")).toMatch(/^15 дек\.? 2026/);
  });
});
