import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';

export interface ConcurrencyPoint {
  concurrency: number;
  ttftP50: { server: number; direct: number };
  ttftP99: { server: number; direct: number };
  tokensPerSecond: { server: number; direct: number };
}

const axisX = {
  field: 'concurrency',
  type: 'ordinal',
  title: 'simultaneous turns',
  sort: null,
  axis: { labelAngle: 0 },
} as const;

/** TTFT and delivered tokens/s against concurrency, through the server and straight from the double. */
export function concurrencySpec(points: ConcurrencyPoint[], subtitle: string): TopLevelSpec {
  const ttft = points.flatMap((p) => [
    { concurrency: p.concurrency, path: 'through the server', percentile: 'p50', ms: p.ttftP50.server },
    { concurrency: p.concurrency, path: 'through the server', percentile: 'p99', ms: p.ttftP99.server },
    { concurrency: p.concurrency, path: 'double directly', percentile: 'p50', ms: p.ttftP50.direct },
    { concurrency: p.concurrency, path: 'double directly', percentile: 'p99', ms: p.ttftP99.direct },
  ]);
  const rate = points.flatMap((p) => [
    { concurrency: p.concurrency, path: 'through the server', tokens: p.tokensPerSecond.server },
    { concurrency: p.concurrency, path: 'double directly', tokens: p.tokensPerSecond.direct },
  ]);
  const color = {
    field: 'path',
    type: 'nominal',
    title: null,
    scale: { domain: ['through the server', 'double directly'], range: ['#6366f1', '#9ca3af'] },
    legend: { orient: 'bottom' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Cachibot under concurrent turns (provider double: 100 tokens, 20 ms apart)', subtitle },
    config: { font: 'sans-serif', view: { stroke: null } },
    hconcat: [
      {
        width: 320,
        height: 220,
        title: 'time to first token (ms, log scale): solid p50, dashed p99',
        data: { values: ttft },
        mark: { type: 'line', point: true },
        encoding: {
          x: axisX,
          y: { field: 'ms', type: 'quantitative', title: 'ms', scale: { type: 'log' } },
          color,
          strokeDash: {
            field: 'percentile',
            type: 'nominal',
            title: 'percentile',
            legend: null,
          },
          tooltip: [{ field: 'path' }, { field: 'percentile' }, { field: 'ms', type: 'quantitative' }],
        },
      },
      {
        width: 320,
        height: 220,
        title: 'tokens per second delivered to clients',
        data: { values: rate },
        mark: { type: 'line', point: true },
        encoding: {
          x: axisX,
          y: { field: 'tokens', type: 'quantitative', title: 'tokens/s', scale: { type: 'log' } },
          color,
        },
      },
    ],
  } as TopLevelSpec;
}

/** Renders server-side; the SVG gets a <title> and loses vega's ARIA roles, which the linter rejects. */
export async function renderSvg(spec: TopLevelSpec, title: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const escaped = title.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  return svg
    .replace(/ (role|aria-roledescription)="[^"]*"/g, '')
    .replace(/^(<svg[^>]*>)/, `$1<title>${escaped}</title>`);
}
