/**
 * An order's evidence steps as data: a catalogue key (app/i18n, `evidence.*`) and its values, so the same record reads
 * in the admin user's language. A value is text, a number, a moment in a zone, a duration, or another phrase. Pure.
 */
import type { ParseKeys, TFunction } from "i18next";

export type EvidenceValue = string | number | { at: number; zone: string } | { minutes: number } | EvidencePhrase;

export interface EvidencePhrase {
  key: ParseKeys;
  values?: Record<string, EvidenceValue>;
}

export function phrase(key: ParseKeys, values?: Record<string, EvidenceValue>): EvidencePhrase {
  return values ? { key, values } : { key };
}

/** "45 minutes", "3 hours 12 minutes", "4 days 2 hours": as precise as the span is worth. */
function duration(minutes: number): EvidencePhrase {
  if (minutes < 120) return phrase("evidence.minutes", { count: minutes });
  if (minutes < 48 * 60)
    return phrase("evidence.hoursMinutes", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  return phrase("evidence.daysHours", { days: Math.floor(minutes / 1440), hours: Math.floor((minutes % 1440) / 60) });
}

type Translate = (key: string, values?: Record<string, string | number>) => string;

export function renderEvidence(step: EvidencePhrase, t: TFunction, time: (at: number, zone: string) => string): string {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(step.values ?? {})) {
    values[name] =
      typeof value !== "object"
        ? value
        : "at" in value
          ? time(value.at, value.zone)
          : "minutes" in value
            ? renderEvidence(duration(value.minutes), t, time)
            : renderEvidence(value, t, time);
  }
  return (t as unknown as Translate)(step.key, values);
}
