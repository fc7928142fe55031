import { LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import { InlineStack, SkeletonBodyText, Text } from "@shopify/polaris";
import { HiddenChart } from "./hidden-chart";
import { useMounted } from "./use-mounted";
import type { DailyFigures } from "../domain/reports/summary-report.server";
import { formatCurrency, formatDay } from "../lib/format";

/** Series colours the charts set themselves, so their legend can be plain text outside the hidden chart. */
export const CHART_COLORS = ["#2c6ecb", "#8051e6", "#b98900", "#008060", "#d72c0d", "#4f4f4f"] as const;

/**
 * A chart's legend as text. Polaris Viz's own legend is made of buttons, which may not sit inside a chart hidden from
 * assistive technology (axe: aria-hidden-focus).
 */
export function ChartLegend({ series }: { series: { name: string; color: string }[] }) {
  return (
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
  );
}

/**
 * Led and assisted net revenue per shop-local day. Polaris Viz measures its container in the browser,
 * so the chart renders after hydration; the same figures are also in a table for screen readers and
 * for anyone reading exact amounts.
 */
export function TrendChart({ daily, currency, locale }: { daily: DailyFigures[]; currency: string; locale: string }) {
  const mounted = useMounted();
  const series = [
    {
      name: "Led",
      color: CHART_COLORS[0],
      data: daily.map((day) => ({ key: day.date, value: Number(day.led.netRevenue) })),
    },
    {
      name: "Assisted",
      color: CHART_COLORS[1],
      data: daily.map((day) => ({ key: day.date, value: Number(day.assisted.netRevenue) })),
    },
  ];
  return (
    <div>
      {/* The table below has every figure as text. */}
      <HiddenChart data-trend-chart={mounted ? "ready" : "pending"}>
        {mounted ? (
          <PolarisVizProvider>
            <LineChart
              data={series}
              theme="Light"
              isAnimated={false}
              showLegend={false}
              xAxisOptions={{ labelFormatter: (value) => formatDay(String(value), locale) }}
              yAxisOptions={{ labelFormatter: (value) => formatCurrency(String(value ?? 0), currency, locale) }}
            />
          </PolarisVizProvider>
        ) : (
          <SkeletonBodyText lines={6} />
        )}
      </HiddenChart>
      <ChartLegend series={series} />
      <details>
        <summary>
          <Text as="span" variant="bodySm" tone="subdued">
            Daily figures ({daily.length} days)
          </Text>
        </summary>
        <table data-daily-table style={{ width: "100%", fontVariantNumeric: "tabular-nums" }}>
          <thead>
            <tr>
              <th align="left">Day</th>
              <th align="right">Led</th>
              <th align="right">Assisted</th>
              <th align="right">Attributed orders</th>
            </tr>
          </thead>
          <tbody>
            {daily.map((day) => (
              <tr key={day.date}>
                <td>{day.date}</td>
                <td align="right">{formatCurrency(day.led.netRevenue, currency, locale)}</td>
                <td align="right">{formatCurrency(day.assisted.netRevenue, currency, locale)}</td>
                <td align="right">{day.attributed.orders}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
