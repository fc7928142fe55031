/**
 * Display formatting for report pages (browser and server alike). Amounts arrive as exact decimal
 * strings; converting to a number here is for display only, never for arithmetic that is stored.
 */
export function formatCurrency(amount: string | null, currency: string, locale: string): string {
  if (amount === null) return "—";
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

export function formatPercent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(fraction);
}

export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** (this − previous) ÷ previous; null when the previous period is 0 (attribution-spec.md: shown as "—"). */
export function changeRatio(current: string | number, previous: string | number): number | null {
  const now = Number(current);
  const before = Number(previous);
  if (!Number.isFinite(now) || !Number.isFinite(before) || before === 0) return null;
  return (now - before) / before;
}

export function formatChange(ratio: number | null, locale: string): string {
  if (ratio === null) return "—";
  const text = formatPercent(Math.abs(ratio), locale);
  return ratio > 0 ? `+${text}` : ratio < 0 ? `−${text}` : text;
}

/** The change of a rate (fractions) in percentage points: "+1.7 pp", "−0.3 pp", "0 pp" (never a relative %). */
export function formatPointChange(current: number, previous: number, locale: string): string {
  const points = Math.round((current - previous) * 1000) / 10;
  const text = `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(Math.abs(points))} pp`;
  return points > 0 ? `+${text}` : points < 0 ? `−${text}` : text;
}

/** A timestamp in the shop's zone, in the admin user's locale. */
export function formatDateTime(iso: string, timezone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone: timezone, dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** How an evidence step names a moment: day, month, 24-hour time and the zone's short name ("22 Nov, 14:03 CET"). */
export const STEP_TIME_FORMAT: Intl.DateTimeFormatOptions = {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
};

/** An evidence step's moment in the shop's zone, in the reader's locale (the engine's English: localTime). */
export function formatStepTime(at: number, timezone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { ...STEP_TIME_FORMAT, timeZone: timezone }).format(new Date(at));
}

export function formatDay(day: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", month: "short", day: "numeric" }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/**
 * A range of local calendar days (YYYY-MM-DD), in the admin user's locale: "Nov 8, 2026 – Dec 7, 2026". Two dates
 * rather than Intl's formatRange, whose spacing differs between ICU versions (the server's and the browser's would
 * not hydrate alike).
 */
export function formatDayRange(from: string, to: string, locale: string): string {
  const format = new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "medium" });
  const day = (value: string) => format.format(new Date(`${value}T00:00:00Z`));
  return from === to ? day(from) : `${day(from)} – ${day(to)}`;
}

/** The order's page in the Shopify admin (the store handle is the myshopify subdomain). */
export function adminOrderUrl(shopDomain: string, orderId: string): string {
  return `https://admin.shopify.com/store/${shopDomain.replace(/\.myshopify\.com$/, "")}/orders/${orderId}`;
}
