import { useSearchParams } from "@remix-run/react";
import { Button, ButtonGroup, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";

const PRESETS = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
] as const;

const SURFACE_OPTIONS = [
  { value: "", label: "All surfaces" },
  { value: "CHAT_WIDGET", label: "Chat widget" },
  { value: "FAQ", label: "FAQ" },
  { value: "NUDGE_CLICK", label: "Nudge" },
];

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
              {preset.label}
            </Button>
          ))}
        </ButtonGroup>
        <InlineStack gap="200" blockAlign="end">
          <div style={{ width: 160 }}>
            <TextField label="From" type="date" value={from} onChange={setFrom} autoComplete="off" />
          </div>
          <div style={{ width: 160 }}>
            <TextField label="To" type="date" value={to} onChange={setTo} autoComplete="off" />
          </div>
          <Button onClick={() => update({ preset: null, from, to })} disabled={!from || !to}>
            Apply range
          </Button>
        </InlineStack>
        {showSurface ? (
          <div style={{ minWidth: 170 }}>
            <Select
              label="Surface"
              options={SURFACE_OPTIONS}
              value={state.surface ?? ""}
              onChange={(value) => update({ surface: value || null })}
            />
          </div>
        ) : null}
        {variants?.length || state.variant ? (
          <div style={{ minWidth: 170 }}>
            <Select
              label="Chat variant"
              options={[
                { value: "", label: "All variants" },
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
          Days in {state.timezone}
        </Text>
      </InlineStack>
    </div>
  );
}
