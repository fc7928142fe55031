import { LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import { SkeletonBodyText, Text } from "@shopify/polaris";
import { useMounted } from "./use-mounted";
import type { DailyFigures } from "../domain/reports/summary-report.server";
import { formatCurrency, formatDay } from "../lib/format";

/**
 * Led and assisted net revenue per shop-local day. Polaris Viz measures its container in the browser,
 * so the chart renders after hydration; the same figures are also in a table for screen readers and
 * for anyone reading exact amounts.
 */
export function TrendChart({ daily, currency, locale }: { daily: DailyFigures[]; currency: string; locale: string }) {
  const mounted = useMounted();
  const series = [
    { name: "Led", data: daily.map((day) => ({ key: day.date, value: Number(day.led.netRevenue) })) },
    { name: "Assisted", data: daily.map((day) => ({ key: day.date, value: Number(day.assisted.netRevenue) })) },
  ];
  return (
    <div>
      <div style={{ height: 280 }} data-trend-chart={mounted ? "ready" : "pending"}>
        {mounted ? (
          <PolarisVizProvider>
            <LineChart
              data={series}
              theme="Light"
              isAnimated={false}
              xAxisOptions={{ labelFormatter: (value) => formatDay(String(value), locale) }}
              yAxisOptions={{ labelFormatter: (value) => formatCurrency(String(value ?? 0), currency, locale) }}
            />
          </PolarisVizProvider>
        ) : (
          <SkeletonBodyText lines={6} />
        )}
      </div>
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
