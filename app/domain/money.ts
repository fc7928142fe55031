/**
 * Exact money: amounts are decimal strings on the wire and in reports, and integers of 1/10,000 of the
 * currency unit in arithmetic (the database stores DECIMAL(19,4)). Never a float.
 */
const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export type Money = bigint;

/** DECIMAL(19,4) holds amounts below 10^15: anything at or above it is refused at the edge, never stored. */
export const STORABLE_MONEY_LIMIT: Money = 10n ** 15n * FACTOR;
export const fitsStoredMoney = (amount: Money | null): amount is Money =>
  amount !== null && amount > -STORABLE_MONEY_LIMIT && amount < STORABLE_MONEY_LIMIT;

/** Parses "12.5", "-3", "0.0001"; returns null for anything that is not a finite decimal. */
export function parseMoney(value: string | number | null | undefined): Money | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = ""] = match;
  if (fraction.length > SCALE && /[1-9]/.test(fraction.slice(SCALE))) return null; // more precision than we keep
  const units = BigInt(whole) * FACTOR + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, "0"));
  return sign ? -units : units;
}

export function formatMoney(amount: Money, decimals = 2): string {
  const negative = amount < 0n;
  const absolute = negative ? -amount : amount;
  const divisor = 10n ** BigInt(SCALE - decimals);
  const rounded = (absolute + divisor / 2n) / divisor; // half-up at the display precision
  const text = rounded.toString().padStart(decimals + 1, "0");
  const body = decimals > 0 ? `${text.slice(0, -decimals)}.${text.slice(-decimals)}` : text;
  return negative && rounded !== 0n ? `-${body}` : body;
}

export const sumMoney = (amounts: Money[]): Money => amounts.reduce((total, amount) => total + amount, 0n);

/** A stored DECIMAL (Prisma.Decimal, or SQL numeric cast to text) as a 2-place money string; null/unparseable as 0. */
export function formatDecimal(value: { toString(): string } | null | undefined): string {
  return formatMoney(parseMoney(value?.toString()) ?? 0n);
}
