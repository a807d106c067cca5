import type { UsageRow } from '@cachibot/protocol';

export type DayMetric = 'cost' | 'tokens';
export type LatencyFigure = 'ttftMsP50' | 'ttftMsP95' | 'tokensPerSecondP50';

export interface ChartSeries {
  key: string;
  label: string;
  values: (number | null)[];
}

/** One value per day per model; days without answers are 0 (sums) or null (percentiles). */
export interface ChartData {
  days: string[];
  series: ChartSeries[];
}

const metricOf = (row: UsageRow, metric: DayMetric) =>
  metric === 'cost' ? row.costUsd : row.inputTokens + row.outputTokens;

/** Models in order of their total over the range, largest first: the order of the stack, bottom up. */
function modelsOf(dayRows: UsageRow[], weigh: (row: UsageRow) => number) {
  const totals = new Map<string, { label: string; total: number }>();
  for (const day of dayRows)
    for (const row of day.byModel ?? []) {
      const entry = totals.get(row.key) ?? { label: row.label ?? row.key, total: 0 };
      entry.total += weigh(row);
      totals.set(row.key, entry);
    }
  return [...totals.entries()].sort(([, a], [, b]) => b.total - a.total);
}

/** Cost (or tokens) by day, split by the model that answered: the stacked chart. */
export function byDayAndModel(dayRows: UsageRow[], days: string[], metric: DayMetric): ChartData {
  const byDay = new Map(dayRows.map((row) => [row.key, row]));
  const series = modelsOf(dayRows, (row) => metricOf(row, metric)).map(([key, { label }]) => ({
    key,
    label,
    values: days.map((day) => {
      const row = byDay.get(day)?.byModel?.find((model) => model.key === key);
      return row ? metricOf(row, metric) : 0;
    }),
  }));
  // A model with nothing to stack (unpriced, for cost) gets no legend entry either.
  return { days, series: series.filter((one) => one.values.some((value) => value)) };
}

/** A latency figure per model per day: which provider got slow this week. */
export function latencyByDay(dayRows: UsageRow[], days: string[], figure: LatencyFigure): ChartData {
  const byDay = new Map(dayRows.map((row) => [row.key, row]));
  const series = modelsOf(dayRows, (row) => row.answers)
    .map(([key, { label }]) => ({
      key,
      label,
      values: days.map(
        (day) => byDay.get(day)?.byModel?.find((model) => model.key === key)?.[figure] ?? null,
      ),
    }))
    .filter((one) => one.values.some((value) => value !== null));
  return { days, series };
}

/** Running sums bottom up: bar i is drawn from 0 to the sum of the first i+1 series. */
export function stacked(series: ChartSeries[]): number[][] {
  const sums: number[][] = [];
  series.forEach((one, index) => {
    sums.push(one.values.map((value, day) => (value ?? 0) + (sums[index - 1]?.[day] ?? 0)));
  });
  return sums;
}
