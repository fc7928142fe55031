/**
 * The admin's language: one i18next instance per language, with the app's strings (en.ts, de.ts) and Polaris' own
 * translations for its components. The language is the admin user's (Shopify passes `locale` on the embedded app's
 * URL); numbers and dates are formatted in that locale too, falling back to the shop's (decision 017).
 */
import { createInstance, type i18n } from "i18next";
import polarisDe from "@shopify/polaris/locales/de.json";
import polarisEn from "@shopify/polaris/locales/en.json";
import { de } from "./de";
import { en } from "./en";

export const LANGUAGES = ["en", "de"] as const;
export type Language = (typeof LANGUAGES)[number];

export const POLARIS_TRANSLATIONS: Record<Language, typeof polarisEn> = { en: polarisEn, de: polarisDe };

/** "de-DE" → "de"; anything the app has no strings for → "en". */
export function languageOf(locale: string | null | undefined): Language {
  const language = (locale ?? "").toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(language) ? (language as Language) : "en";
}

/** A BCP 47 tag Intl accepts, or null: `locale` is a claim from a URL. */
export function validLocale(locale: string | null | undefined): string | null {
  if (!locale || locale.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(locale.replace("_", "-"))[0] ?? null;
  } catch {
    return null;
  }
}

const instances = new Map<Language, i18n>();

/** One instance per language, shared by every request: its language never changes, so nothing leaks between them. */
export function i18nFor(language: Language): i18n {
  const known = instances.get(language);
  if (known) return known;
  const instance = createI18n(language);
  instances.set(language, instance);
  return instance;
}

function createI18n(language: Language): i18n {
  const instance = createInstance();
  void instance.init({
    lng: language,
    fallbackLng: "en",
    supportedLngs: LANGUAGES,
    resources: { en: { translation: en }, de: { translation: de } },
    initAsync: false,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
  });
  return instance;
}
