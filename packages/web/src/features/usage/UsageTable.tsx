import type { UsageGroupBy, UsageRow } from '@cachibot/protocol';
import { formatCost, formatDuration, formatTokens, formatTokensPerSecond } from '../message-info/format.ts';

interface Props {
  groupBy: UsageGroupBy;
  title: string;
  rows: UsageRow[];
  totals?: UsageRow;
  csvUrl: string;
}

const COLUMNS: { label: string; cell(row: UsageRow): string; title?: string }[] = [
  { label: 'Answers', cell: (row) => formatTokens(row.answers) },
  { label: 'Input', cell: (row) => formatTokens(row.inputTokens), title: 'Input tokens' },
  { label: 'Output', cell: (row) => formatTokens(row.outputTokens), title: 'Output tokens' },
  { label: 'Cached', cell: (row) => formatTokens(row.cachedInputTokens), title: 'Cached input tokens' },
  { label: 'Reasoning', cell: (row) => formatTokens(row.reasoningTokens), title: 'Reasoning tokens' },
  { label: 'Cost', cell: (row) => (row.costUsd === 0 ? '$0.00' : formatCost(row.costUsd)) },
  {
    label: 'Unpriced',
    cell: (row) => formatTokens(row.unpricedAnswers),
    title: 'Answers at an unknown price',
  },
  { label: 'TTFT p50', cell: (row) => formatDuration(row.ttftMsP50), title: 'Time to first token, median' },
  { label: 'TTFT p95', cell: (row) => formatDuration(row.ttftMsP95) },
  {
    label: 'Speed p50',
    cell: (row) => formatTokensPerSecond(row.tokensPerSecondP50),
    title: 'Output tokens per second, median',
  },
];

/** One grouping of the usage, with its totals and a CSV of the same rows. */
export function UsageTable({ groupBy, title, rows, totals, csvUrl }: Props) {
  const id = `usage-table-${groupBy}`;
  return (
    <section className="usage-section" aria-labelledby={id}>
      <header className="usage-section-header">
        <h2 id={id}>{title}</h2>
        <a className="button small" href={csvUrl} download data-testid="usage-csv">
          Download CSV
        </a>
      </header>
      <div className="usage-table-scroll">
        <table className="usage-table" data-testid="usage-table" data-group={groupBy}>
          <thead>
            <tr>
              <th scope="col">{groupBy[0]?.toUpperCase() + groupBy.slice(1)}</th>
              {COLUMNS.map((column) => (
                <th key={column.label} scope="col" title={column.title}>
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length + 1} className="muted">
                  No answers in this range.
                </td>
              </tr>
            )}
            {rows.map((row) => (
              <tr key={row.key} data-key={row.key}>
                <th scope="row" title={row.key}>
                  {row.label ?? row.key}
                </th>
                {COLUMNS.map((column) => (
                  <td key={column.label}>{column.cell(row)}</td>
                ))}
              </tr>
            ))}
          </tbody>
          {totals && rows.length > 1 && (
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                {COLUMNS.map((column) => (
                  <td key={column.label}>{column.cell(totals)}</td>
                ))}
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </section>
  );
}
