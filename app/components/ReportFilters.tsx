import { useSearchParams } from "@remix-run/react";
import { Button, ButtonGroup, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

const PRESETS = [
  { value: "today", label: "filters.today" },
  { value: "7d", label: "filters.days7" },
  { value: "30d", label: "filters.days30" },
  { value: "90d", label: "filters.days90" },
] as const;

const SURFACES = ["CHAT_WIDGET", "FAQ", "NUDGE_CLICK"] as const;

export interface ReportFilterState {
  preset: string | null;
  from: string;
  to: string;
  surface: string | null;
  /** The variant filter (Insights only). */
  variant?: string | null;
  timezone: string;
}

/**
 * Date presets, a custom range and the surface filter, kept in the URL so a report can be bookmarked and
 * the browser's back button works. Changing one resets paging.
 */
export function ReportFilters({
  state,
  showSurface = true,
  variants,
}: {
  state: ReportFilterState;
  showSurface?: boolean;
  /** The chat variants to offer as a filter (Insights); none: no variant filter. */
  variants?: string[];
}) {
  const [params, setParams] = useSearchParams();
  const { t } = useTranslation();
  const [from, setFrom] = useState(state.from);
  const [to, setTo] = useState(state.to);
  useEffect(() => {
    setFrom(state.from);
    setTo(state.to);
  }, [state.from, state.to]);

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    next.delete("page");
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  };

  return (
    <div
      data-range-from={state.from}
      data-range-to={state.to}
      data-surface={state.surface ?? ""}
      data-variant={state.variant ?? ""}
    >
      <InlineStack gap="300" blockAlign="end" wrap>
        <ButtonGroup variant="segmented">
          {PRESETS.map((preset) => (
            <Button
              key={preset.value}
              pressed={state.preset === preset.value}
              onClick={() => update({ preset: preset.value, from: null, to: null })}
            >
              {t(preset.label)}
            </Button>
          ))}
        </ButtonGroup>
        <InlineStack gap="200" blockAlign="end">
          <div style={{ width: 160 }}>
            <TextField label={t("filters.from")} type="date" value={from} onChange={setFrom} autoComplete="off" />
          </div>
          <div style={{ width: 160 }}>
            <TextField label={t("filters.to")} type="date" value={to} onChange={setTo} autoComplete="off" />
          </div>
          <Button onClick={() => update({ preset: null, from, to })} disabled={!from || !to}>
            {t("filters.applyRange")}
          </Button>
        </InlineStack>
        {showSurface ? (
          <div style={{ minWidth: 170 }}>
            <Select
              label={t("filters.surface")}
              options={[
                { value: "", label: t("filters.allSurfaces") },
                ...SURFACES.map((surface) => ({ value: surface, label: t(`labels.surface.${surface}`) })),
              ]}
              value={state.surface ?? ""}
              onChange={(value) => update({ surface: value || null })}
            />
          </div>
        ) : null}
        {variants?.length || state.variant ? (
          <div style={{ minWidth: 170 }}>
            <Select
              label={t("filters.variant")}
              options={[
                { value: "", label: t("filters.allVariants") },
                ...[...new Set([...(variants ?? []), ...(state.variant ? [state.variant] : [])])].map((variant) => ({
                  value: variant,
                  label: variant,
                })),
              ]}
              value={state.variant ?? ""}
              onChange={(value) => update({ variant: value || null })}
            />
          </div>
        ) : null}
        <Text as="span" tone="subdued" variant="bodySm">
          {t("filters.daysIn", { timezone: state.timezone })}
        </Text>
      </InlineStack>
    </div>
  );
}
