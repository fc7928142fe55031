import { Text } from "@shopify/polaris";
import { DailyLineChart } from "./DailyLineChart";
import type { DailyFigures } from "../domain/reports/summary-report.server";
import { formatCurrency } from "../lib/format";

/**
 * Led and assisted net revenue per shop-local day; the same figures are also in a table for screen readers and for
 * anyone reading exact amounts.
 */
export function TrendChart({ daily, currency, locale }: { daily: DailyFigures[]; currency: string; locale: string }) {
  const lines = [
    { name: "Led", data: daily.map((day) => ({ key: day.date, value: Number(day.led.netRevenue) })) },
    { name: "Assisted", data: daily.map((day) => ({ key: day.date, value: Number(day.assisted.netRevenue) })) },
  ];
  return (
    <div>
      {/* The table below has every figure as text. */}
      <DailyLineChart
        lines={lines}
        locale={locale}
        formatValue={(value) => formatCurrency(String(value), currency, locale)}
        marker="data-trend-chart"
      />
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
