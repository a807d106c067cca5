import type { Message } from '@cachibot/protocol';
import { useMemo } from 'react';
import { compareMetrics } from './compare-metrics.ts';

interface Props {
  answers: Message[];
  /** The column names: model ids, or "Model A"… in blind mode. */
  labels: string[];
}

/** The metrics row of a compare: one line per measure, one column per answer, the best marked. */
export function CompareMetrics({ answers, labels }: Props) {
  const rows = useMemo(() => compareMetrics(answers), [answers]);
  return (
    <div className="compare-metrics-scroller">
      <table className="compare-metrics" data-testid="compare-metrics">
        <caption className="sr-only">
          Metrics of the compared answers; ★ marks the best value of each row
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Measure</span>
            </th>
            {labels.map((label) => (
              <th key={label} scope="col">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              {row.cells.map((cell, index) => (
                <td
                  // biome-ignore lint/suspicious/noArrayIndexKey: one cell per column, in column order
                  key={index}
                  className={cell.best ? 'best' : undefined}
                  data-best={cell.best || undefined}
                >
                  {cell.text}
                  {cell.best && (
                    <span className="best-mark" title="Best of this row">
                      {' '}
                      ★<span className="sr-only"> best</span>
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
