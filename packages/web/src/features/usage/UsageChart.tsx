import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type ChartData, stacked } from './chart-data.ts';

const PALETTE = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#a855f7', '#64748b', '#ec4899'];
export const colorOf = (index: number): string => PALETTE[index % PALETTE.length] as string;
const HEIGHT = 240;

interface Props {
  /** `stack`: bars stacked by series (sums); `lines`: one line per series (percentiles). */
  kind: 'stack' | 'lines';
  data: ChartData;
  title: string;
  format(value: number): string;
}

const seconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

function options(props: Props, width: number): { opts: uPlot.Options; data: uPlot.AlignedData } {
  const { kind, data, format } = props;
  const xs = data.days.map(seconds);
  const legendValue =
    (values: (number | null)[]) => (_u: uPlot, _v: number | null, _s: number, index: number | null) => {
      const value = index === null ? null : values[index];
      return value === null || value === undefined ? '—' : format(value);
    };
  const axes: uPlot.Axis[] = [
    { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
    {
      stroke: 'currentColor',
      grid: { stroke: 'rgba(128,128,128,0.15)' },
      size: 84,
      values: (_u, ticks) => ticks.map(format),
    },
  ];
  const base = {
    width,
    height: HEIGHT,
    axes,
    scales: {
      // Half a day of margin on both sides: a single day is a bar, not a range of years.
      x: {
        time: true,
        range: [(xs[0] ?? 0) - 43_200, (xs[xs.length - 1] ?? 0) + 43_200] as uPlot.Range.MinMax,
      },
      // Sums start at zero; percentiles keep some room below.
      y: {
        range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [
          kind === 'stack' ? 0 : Math.max(0, min * 0.8),
          max > 0 ? max * 1.1 : 1,
        ],
      },
    },
    cursor: { drag: { x: false, y: false } },
  };
  if (kind === 'lines') {
    return {
      opts: {
        ...base,
        series: [
          {},
          ...data.series.map((one, index) => ({
            label: one.label,
            stroke: colorOf(index),
            width: 2,
            spanGaps: true,
            points: { show: true, size: 5 },
            value: legendValue(one.values),
          })),
        ],
      },
      data: [xs, ...data.series.map((one) => one.values)] as uPlot.AlignedData,
    };
  }
  // Stacked bars: each series drawn from 0 to its running sum, tallest first, so they stack visually.
  const sums = stacked(data.series);
  const order = data.series.map((_, index) => index).reverse();
  const bars = uPlot.paths.bars?.({ size: [0.7, 48] });
  return {
    opts: {
      ...base,
      series: [
        {},
        ...order.map((index) => ({
          label: data.series[index]?.label,
          stroke: colorOf(index),
          fill: colorOf(index),
          paths: bars,
          points: { show: false },
          value: legendValue(data.series[index]?.values ?? []),
        })),
      ],
    },
    data: [xs, ...order.map((index) => sums[index] ?? [])] as uPlot.AlignedData,
  };
}

/** A uPlot chart (canvas) that follows its container's width. */
export function UsageChart(props: Props) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const { opts, data } = options(props, width());
    const chart = new uPlot(opts, data, element);
    const observer = new ResizeObserver(() => chart.setSize({ width: width(), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [props]);
  return (
    <figure
      className="usage-chart"
      data-testid="usage-chart"
      data-chart={props.kind}
      data-series={props.data.series.length}
    >
      <figcaption>{props.title}</figcaption>
      {props.data.series.length === 0 ? (
        <p className="muted">No answers in this range.</p>
      ) : (
        <div ref={container} />
      )}
    </figure>
  );
}
