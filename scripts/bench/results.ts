/** One line of the benchmark table: a figure, the baseline it is divided by (measured in the same run), a target. */
export interface BenchRow {
  section: string;
  measure: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value ÷ baseline, printed as a percentage or a multiple. */
  ratio?: number;
  target?: { text: string; met: boolean };
}

const formatNumber = (value: number) =>
  Number.isNaN(value)
    ? "—"
    : value >= 100
      ? Math.round(value).toLocaleString("en-US")
      : value >= 10
        ? value.toFixed(1)
        : value.toFixed(2);

export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return "";
  return ratio < 1 ? `${(ratio * 100).toFixed(0)} %` : ratio < 10 ? `${ratio.toFixed(2)}×` : `${ratio.toFixed(1)}×`;
}

export function renderTable(rows: BenchRow[]): string {
  const header = ["section", "measure", "value", "baseline (same run)", "ratio", "target"];
  const lines = rows.map((row) => [
    row.section,
    row.measure,
    `${formatNumber(row.value)} ${row.unit}`,
    row.baseline ? `${row.baseline.name}: ${formatNumber(row.baseline.value)} ${row.unit}` : "",
    formatRatio(row.ratio),
    row.target ? `${row.target.met ? "met" : "MISSED"}: ${row.target.text}` : "",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const render = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  return [render(header), render(widths.map((width) => "-".repeat(width))), ...lines.map(render)].join("\n");
}
