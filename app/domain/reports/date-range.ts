/**
 * Report date ranges are calendar days in the shop's IANA time zone (attribution-spec.md, "Metrics").
 * A day is not always 24 hours: on a DST change it is 23 or 25, so day starts are computed per day from
 * the zone's offset at that instant, never by adding 86,400,000 ms.
 */

export type Day = string; // YYYY-MM-DD

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A custom range longer than this is refused: the daily trend must stay readable and the query bounded. */
export const MAX_RANGE_DAYS = 400;

export interface ReportRange {
  from: Day;
  to: Day;
  /** Inclusive start: local midnight of `from`, as a UTC instant. */
  start: Date;
  /** Exclusive end: local midnight of the day after `to`. */
  end: Date;
  /** Every calendar day of the range, in order. */
  days: Day[];
  timezone: string;
}

export function isValidTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone a shop's reports (and their daily roll-ups) use: Shopify reports an IANA zone; a shop row from before
 * that was known falls back to UTC rather than fail every report.
 */
export function reportTimezone(shop: { timezone: string }): string {
  return isValidTimeZone(shop.timezone) ? shop.timezone : "UTC";
}

export function isValidDay(value: string): value is Day {
  const match = DAY_PATTERN.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Calendar arithmetic on day strings (no time zone involved). */
export function addDays(day: Day, count: number): Day {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date + count)).toISOString().slice(0, 10);
}

export function daysBetweenInclusive(from: Day, to: Day): number {
  const toUtc = (day: Day) => Date.parse(`${day}T00:00:00Z`);
  return Math.round((toUtc(to) - toUtc(from)) / 86_400_000) + 1;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timezone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
function offsetAt(instant: number, timezone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timezone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The calendar day an instant falls on in the zone. */
export function dayInZone(instant: Date, timezone: string): Day {
  return new Date(instant.getTime() + offsetAt(instant.getTime(), timezone)).toISOString().slice(0, 10);
}

/**
 * The first instant of a local calendar day. Midnight itself can be skipped by a DST change (e.g. a zone
 * that springs forward at 00:00); then the day starts at the first local time that exists.
 */
export function startOfDayInZone(day: Day, timezone: string): Date {
  const wallClock = Date.parse(`${day}T00:00:00Z`);
  let candidate = wallClock - offsetAt(wallClock, timezone);
  // The offset at the guess can differ from the offset at the true instant when a change lies between them.
  candidate = wallClock - offsetAt(candidate, timezone);
  if (dayInZone(new Date(candidate), timezone) !== day) {
    // Midnight does not exist locally: step forward until the day has begun.
    while (dayInZone(new Date(candidate), timezone) < day) candidate += 15 * 60_000;
  }
  return new Date(candidate);
}

export function reportRange(from: Day, to: Day, timezone: string): ReportRange {
  const count = daysBetweenInclusive(from, to);
  return {
    from,
    to,
    start: startOfDayInZone(from, timezone),
    end: startOfDayInZone(addDays(to, 1), timezone),
    days: Array.from({ length: count }, (_, index) => addDays(from, index)),
    timezone,
  };
}

/** The previous period: the same number of days immediately before. */
export function previousRange(range: ReportRange): ReportRange {
  const length = range.days.length;
  return reportRange(addDays(range.from, -length), addDays(range.from, -1), range.timezone);
}

export const RANGE_PRESETS = ["today", "7d", "30d", "90d"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** A preset ending today (in the shop's zone): "7d" is the last 7 days including today. */
export function presetDays(preset: RangePreset, now: Date, timezone: string): { from: Day; to: Day } {
  const today = dayInZone(now, timezone);
  const length = preset === "today" ? 1 : Number(preset.slice(0, -1));
  return { from: addDays(today, -(length - 1)), to: today };
}
