import i18next from "i18next";
import { initReactI18next } from "react-i18next";

export const LANGUAGES = ["en", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "tourbook.language";

// Each catalog is its own chunk: a page loads only the language it shows.
const catalogs: Record<Language, () => Promise<{ default: Record<string, unknown> }>> = {
  en: () => import("./en.json"),
  ru: () => import("./ru.json"),
};

function isLanguage(value: string | null | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? "");
}

export function preferredLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (isLanguage(saved)) return saved;
  const browser = globalThis.navigator?.language?.slice(0, 2);
  return isLanguage(browser) ? browser : "en";
}

async function load(language: Language): Promise<void> {
  if (!i18next.hasResourceBundle(language, "translation")) {
    i18next.addResourceBundle(language, "translation", (await catalogs[language]()).default);
  }
}

export async function setupI18n(language: Language = preferredLanguage()): Promise<typeof i18next> {
  if (!i18next.isInitialized) {
    await i18next.use(initReactI18next).init({
      lng: language,
      fallbackLng: false,
      resources: { [language]: { translation: (await catalogs[language]()).default } },
      partialBundledLanguages: true,
      interpolation: { escapeValue: false }, // React escapes
    });
  } else {
    await load(language);
    await i18next.changeLanguage(language);
  }
  document.documentElement.lang = language;
  return i18next;
}

export async function switchLanguage(language: Language): Promise<void> {
  await load(language);
  globalThis.localStorage?.setItem(STORAGE_KEY, language);
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}
