/**
 * The query every report page and the report API accept: a preset or an explicit from/to (shop-local
 * calendar days) and an optional surface. Parsed once here so the pages and the API cannot read a URL
 * differently.
 */
import { z } from "zod";
import type { Surface } from "../attribution/engine";
import {
  MAX_RANGE_DAYS,
  RANGE_PRESETS,
  daysBetweenInclusive,
  isValidDay,
  presetDays,
  reportRange,
  type RangePreset,
  type ReportRange,
} from "./date-range";

export const SURFACES: readonly Surface[] = ["CHAT_WIDGET", "FAQ", "NUDGE_CLICK"];
export const DEFAULT_PRESET: RangePreset = "30d";

const day = z.string().refine(isValidDay, "must be a calendar date as YYYY-MM-DD");

const querySchema = z
  .object({
    preset: z
      .enum(RANGE_PRESETS, {
        error: (issue) =>
          `Invalid enum value. Expected ${RANGE_PRESETS.map((p) => `'${p}'`).join(" | ")}, received '${String(issue.input)}'`,
      })
      .optional(),
    from: day.optional(),
    to: day.optional(),
    surface: z
      .string()
      .transform((value) => value.toUpperCase())
      .pipe(
        z.enum(["ALL", ...SURFACES] as [string, ...string[]], {
          message: `must be one of all, ${SURFACES.join(", ")}`,
        }),
      )
      .optional(),
    // A chat variant as conversation_started reports it (event-protocol.md); Insights only.
    variant: z
      .string()
      .regex(
        /^[A-Za-z0-9][\w.:-]{0,63}$/,
        "must be a variant the chat reports: 1–64 letters, digits, '_', '.', ':' or '-'",
      )
      .optional(),
  })
  .superRefine((query, context) => {
    if ((query.from === undefined) !== (query.to === undefined)) {
      context.addIssue({
        code: "custom",
        path: [query.from ? "to" : "from"],
        message: "from and to must be given together",
      });
    }
    if (query.from && query.to && isValidDay(query.from) && isValidDay(query.to)) {
      const length = daysBetweenInclusive(query.from, query.to);
      if (length < 1) context.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
      if (length > MAX_RANGE_DAYS)
        context.addIssue({
          code: "custom",
          path: ["to"],
          message: `the range may span at most ${MAX_RANGE_DAYS} days`,
        });
    }
  });

export interface ReportQuery {
  range: ReportRange;
  /** The preset the range came from, or null for a custom range. */
  preset: RangePreset | null;
  /** null: every surface. */
  surface: Surface | null;
  /** Absent or null: every variant (and conversations that report none). */
  variant?: string | null;
}

export type ReportQueryResult =
  | { ok: true; query: ReportQuery }
  | { ok: false; errors: { field: string; message: string }[] };

export function parseReportQuery(params: URLSearchParams, context: { now: Date; timezone: string }): ReportQueryResult {
  const raw = Object.fromEntries(
    ["preset", "from", "to", "surface", "variant"].flatMap((key) => (params.get(key) ? [[key, params.get(key)!]] : [])),
  );
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({ field: issue.path.join(".") || "query", message: issue.message })),
    };
  }
  const { from, to, preset, surface, variant } = parsed.data;
  const chosenPreset = from && to ? null : (preset ?? DEFAULT_PRESET);
  const days = chosenPreset ? presetDays(chosenPreset, context.now, context.timezone) : { from: from!, to: to! };
  return {
    ok: true,
    query: {
      range: reportRange(days.from, days.to, context.timezone),
      preset: chosenPreset,
      surface: surface && surface !== "ALL" ? (surface as Surface) : null,
      variant: variant ?? null,
    },
  };
}

/** The query string that reproduces a query (for links between pages and to the API). */
export function reportQueryString(query: ReportQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(
    query.preset ? { preset: query.preset } : { from: query.range.from, to: query.range.to },
  );
  if (query.surface) params.set("surface", query.surface);
  if (query.variant) params.set("variant", query.variant);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}
