import type { Message } from '@cachibot/protocol';
import { formatCost, formatDuration, formatTokens, formatTokensPerSecond } from '../message-info/format.ts';

export interface MetricCell {
  text: string;
  /** The best value of its row (ties included); never set while answers are still running. */
  best: boolean;
}

export interface MetricRow {
  label: string;
  cells: MetricCell[];
}

type Better = 'lower' | 'higher';

interface MetricSpec {
  label: string;
  value(message: Message): number | undefined;
  format(value: number | undefined, message: Message): string;
  better: Better;
}

const running = (message: Message) => message.status === 'streaming';

const SPECS: MetricSpec[] = [
  {
    label: 'Time to first token',
    value: (m) => m.metadata.ttftMs,
    format: (v) => formatDuration(v),
    better: 'lower',
  },
  {
    label: 'Total time',
    value: (m) => m.metadata.durationMs,
    format: (v) => formatDuration(v),
    better: 'lower',
  },
  {
    label: 'Speed',
    value: (m) => m.metadata.tokensPerSecond,
    format: (v) => formatTokensPerSecond(v),
    better: 'higher',
  },
  {
    label: 'Input tokens',
    value: (m) => m.metadata.usage?.inputTokens,
    format: (v) => formatTokens(v),
    better: 'lower',
  },
  {
    label: 'Output tokens',
    value: (m) => m.metadata.usage?.outputTokens,
    format: (v) => formatTokens(v),
    better: 'lower',
  },
  {
    label: 'Cost',
    value: (m) => m.metadata.costUsd,
    // A finished answer without a price is "price unknown", never a guess.
    format: (v, m) => (v === undefined && running(m) ? '—' : formatCost(v)),
    better: 'lower',
  },
];

/** "stop" is the finish a user wants; length, content filter, cancel and error are worse. */
const finishRank = (message: Message) => (message.metadata.finishReason === 'stop' ? 0 : 1);

/**
 * The metrics row of a compare (MODL-11): time to first token, total time, tokens/s, input and output
 * tokens, cost and finish reason per answer. The best value of each row is marked among the answers
 * that finished normally ("stop"), once none is running any more, and only when they differ — a row
 * where every answer ties has no winner.
 */
export function compareMetrics(answers: Message[]): MetricRow[] {
  const settled = !answers.some(running);
  const contenders = answers.map(
    (answer) => settled && answer.status === 'complete' && finishRank(answer) === 0,
  );
  const rows = SPECS.map((spec): MetricRow => {
    const values = answers.map((answer) => spec.value(answer));
    const candidates = values.filter(
      (value, index): value is number => contenders[index] === true && value !== undefined,
    );
    const best =
      candidates.length === 0
        ? undefined
        : spec.better === 'lower'
          ? Math.min(...candidates)
          : Math.max(...candidates);
    const differs = new Set(values).size > 1;
    return {
      label: spec.label,
      cells: answers.map((answer, index) => ({
        text: spec.format(values[index], answer),
        best: differs && best !== undefined && contenders[index] === true && values[index] === best,
      })),
    };
  });
  const reasons = answers.map((answer) =>
    running(answer)
      ? 'streaming…'
      : (answer.metadata.finishReason ?? (answer.status === 'error' ? 'error' : '—')),
  );
  const finishDiffers = settled && new Set(answers.map(finishRank)).size > 1;
  rows.push({
    label: 'Finish reason',
    cells: answers.map((answer, index) => ({
      text: reasons[index] as string,
      best: finishDiffers && finishRank(answer) === 0 && answer.status === 'complete',
    })),
  });
  return rows;
}
