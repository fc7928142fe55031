import { describe, expect, it } from "vitest";
import { de } from "./de";
import { en } from "./en";
import { i18nFor, languageOf, validLocale } from "./i18n";

/** Every string of a catalogue by its dotted key. */
function flatten(messages: object, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    if (typeof value === "string") out.set(`${prefix}${key}`, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

/** What a translation must keep: its {{placeholders}} and its <tags>, whatever the words around them. */
const slots = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}|<\/?(\w+)>/g)].map((m) => m[0]).sort();

describe("the admin's catalogues", () => {
  const english = flatten(en);
  const german = flatten(de);

  it("have the same keys in German as in English", () => {
    expect([...german.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it("keep every placeholder and component tag of the English text in each German one", () => {
    const differing = [...english].filter(([key, text]) => slots(text).join() !== slots(german.get(key)!).join());
    expect(differing.map(([key]) => key)).toEqual([]);
  });

  it("translate: a German text equal to the English one is a name or a code, never a sentence", () => {
    const same = [...english].filter(([key, text]) => german.get(key) === text && /\s\w+\s\w+/.test(text));
    expect(same.map(([key]) => key)).toEqual([]);
  });
});

describe("choosing the language", () => {
  it("takes the admin's locale, by its language, and English for anything else", () => {
    expect(languageOf("de")).toBe("de");
    expect(languageOf("de-AT")).toBe("de");
    expect(languageOf("de_CH")).toBe("de");
    expect(languageOf("fr")).toBe("en");
    expect(languageOf(null)).toBe("en");
    expect(languageOf("")).toBe("en");
  });

  it("accepts only a well-formed locale from the URL", () => {
    expect(validLocale("de-DE")).toBe("de-DE");
    expect(validLocale("pt_BR")).toBe("pt-BR");
    expect(validLocale("en")).toBe("en");
    for (const hostile of ["", "<script>", "x".repeat(100), "de-DE-", "../../etc", null, undefined])
      expect(validLocale(hostile)).toBeNull();
  });

  it("plural forms follow each language", () => {
    expect(i18nFor("en").t("common.orders", { count: 1 })).toBe("1 order");
    expect(i18nFor("en").t("common.orders", { count: 2 })).toBe("2 orders");
    expect(i18nFor("de").t("common.orders", { count: 1 })).toBe("1 Bestellung");
    expect(i18nFor("de").t("common.orders", { count: 0 })).toBe("0 Bestellungen");
  });
});
