import { Text } from "@shopify/polaris";
import { DailyLineChart } from "./DailyLineChart";
import type { DailyFigures } from "../domain/reports/summary-report.server";
import { useTranslation } from "react-i18next";
import { formatCount, formatCurrency, formatDay } from "../lib/format";

/**
 * Led and assisted net revenue per shop-local day; the same figures are also in a table for screen readers and for
 * anyone reading exact amounts.
 */
export function TrendChart({ daily, currency, locale }: { daily: DailyFigures[]; currency: string; locale: string }) {
  const { t } = useTranslation();
  const lines = [
    { name: t("charts.led"), data: daily.map((day) => ({ key: day.date, value: Number(day.led.netRevenue) })) },
    {
      name: t("charts.assisted"),
      data: daily.map((day) => ({ key: day.date, value: Number(day.assisted.netRevenue) })),
    },
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
            {t("charts.dailyFigures", { count: daily.length })}
          </Text>
        </summary>
        <table data-daily-table style={{ width: "100%", fontVariantNumeric: "tabular-nums" }}>
          <thead>
            <tr>
              <th align="left">{t("charts.day")}</th>
              <th align="right">{t("charts.led")}</th>
              <th align="right">{t("charts.assisted")}</th>
              <th align="right">{t("charts.attributedOrders")}</th>
            </tr>
          </thead>
          <tbody>
            {daily.map((day) => (
              <tr key={day.date}>
                <td>{formatDay(day.date, locale)}</td>
                <td align="right">{formatCurrency(day.led.netRevenue, currency, locale)}</td>
                <td align="right">{formatCurrency(day.assisted.netRevenue, currency, locale)}</td>
                <td align="right">{formatCount(day.attributed.orders, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
