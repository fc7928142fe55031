import { type DataSeries, LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import { InlineStack, SkeletonBodyText, Text } from "@shopify/polaris";
import { HiddenChart } from "./hidden-chart";
import { useMounted } from "./use-mounted";
import { formatDay } from "../lib/format";

/** Series colours the charts set themselves, so their legend can be plain text outside the hidden chart. */
const CHART_COLORS = ["#2c6ecb", "#8051e6", "#b98900", "#008060", "#d72c0d", "#4f4f4f"] as const;

export interface DailyLine {
  name: string;
  /** One value per shop-local day (YYYY-MM-DD); null leaves a gap. */
  data: { key: string; value: number | null }[];
}

/**
 * Lines over shop-local days, as the admin's charts draw them: Polaris Viz measures its container in the browser, so
 * the chart renders after hydration (`marker` reads "pending", then "ready"); it is shown to the eye only (HiddenChart),
 * so the page must give its figures as text too; its legend is text beside it. Polaris Viz's own legend is made of
 * buttons, which may not sit inside a chart hidden from assistive technology (axe: aria-hidden-focus).
 */
export function DailyLineChart({
  lines,
  locale,
  formatValue,
  marker,
}: {
  lines: DailyLine[];
  locale: string;
  formatValue: (value: number) => string;
  marker: `data-${string}`;
}) {
  const mounted = useMounted();
  const series: (DataSeries & { color: string })[] = lines.map((line, index) => ({
    ...line,
    color: CHART_COLORS[index % CHART_COLORS.length],
  }));
  return (
    <>
      <HiddenChart {...{ [marker]: mounted ? "ready" : "pending" }}>
        {mounted ? (
          <PolarisVizProvider>
            <LineChart
              data={series}
              theme="Light"
              isAnimated={false}
              showLegend={false}
              xAxisOptions={{ labelFormatter: (value) => formatDay(String(value), locale) }}
              yAxisOptions={{ labelFormatter: (value) => formatValue(Number(value ?? 0)) }}
            />
          </PolarisVizProvider>
        ) : (
          <SkeletonBodyText lines={6} />
        )}
      </HiddenChart>
      <InlineStack gap="300">
        {series.map((line) => (
          <InlineStack key={line.name} gap="100" blockAlign="center">
            <span style={{ width: 10, height: 10, borderRadius: 5, background: line.color, display: "inline-block" }} />
            <Text as="span" variant="bodySm">
              {line.name}
            </Text>
          </InlineStack>
        ))}
      </InlineStack>
    </>
  );
}
