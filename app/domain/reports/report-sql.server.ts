/**
 * SQL fragments every report query shares, so the range, zone and qualification rules are written once.
 * Columns are TIMESTAMP (UTC, no zone): compare against UTC wall-clock values, never a session time zone.
 */
import { Prisma, type Shop } from "@prisma/client";
import type { Surface } from "../attribution/engine";
import type { ReportRange } from "./date-range";

export const utc = (instant: Date) => Prisma.sql`(${instant.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

/** The local calendar date of a UTC TIMESTAMP column in an IANA zone. */
export const localDate = (column: Prisma.Sql, timezone: string) =>
  Prisma.sql`((${column} AT TIME ZONE 'UTC') AT TIME ZONE ${timezone})::date`;

export const inRange = (column: Prisma.Sql, range: Pick<ReportRange, "start" | "end">) =>
  Prisma.sql`${column} >= ${utc(range.start)} AND ${column} < ${utc(range.end)}`;

export const surfaceIs = (column: Prisma.Sql, surface: Surface | null) =>
  surface ? Prisma.sql`AND ${column} = ${surface}::"Surface"` : Prisma.empty;

export const variantIs = (column: Prisma.Sql, variant: string | null) =>
  variant ? Prisma.sql`AND ${column} = ${variant}` : Prisma.empty;

/**
 * An attribution (alias `a`) that counts as chat revenue: led or assisted, and not excluded (test, outlier,
 * unverified). The attribution update trigger (migration 20261213010000) repeats it: change both together.
 */
export const countedAttributed = Prisma.sql`a."excludedReason" IS NULL AND a.classification IN ('LED', 'ASSISTED')`;

/** A qualifying touch (attribution-spec.md, "Words") for touchpoint alias `t`, under the shop's current setting. */
export const qualifyingAnswer = (shop: Pick<Shop, "requireAnswerFound">) =>
  Prisma.sql`t.kind = 'ASSISTANT_ANSWER' ${shop.requireAnswerFound ? Prisma.sql`AND t."answerFound" IS TRUE` : Prisma.empty}`;
