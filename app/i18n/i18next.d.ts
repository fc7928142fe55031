import type { en } from "./en";

// Keys are checked at compile time: a missing or misspelt key is a type error.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}
