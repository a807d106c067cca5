import type { UsageRow } from '@cachibot/protocol';
import { bucketValue } from '../db/answer-usage.ts';
import { microsToUsd } from '../models/pricing.ts';
import type { BucketRow, SumRow } from './usage-repository.ts';

/** The sums of one group and its two histograms (bucket → answers). */
export interface UsageGroup {
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costMicros: number;
  unpricedAnswers: number;
  ttft: Map<number, number>;
  speed: Map<number, number>;
}

const SUMS = [
  'answers',
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'reasoningTokens',
  'costMicros',
  'unpricedAnswers',
] as const;

export const emptyGroup = (): UsageGroup => ({
  answers: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  costMicros: 0,
  unpricedAnswers: 0,
  ttft: new Map(),
  speed: new Map(),
});

const addCount = (histogram: Map<number, number>, bucket: number, answers: number) =>
  histogram.set(bucket, (histogram.get(bucket) ?? 0) + answers);

export function mergeInto(into: UsageGroup, from: UsageGroup): UsageGroup {
  for (const sum of SUMS) into[sum] += from[sum];
  for (const [bucket, answers] of from.ttft) addCount(into.ttft, bucket, answers);
  for (const [bucket, answers] of from.speed) addCount(into.speed, bucket, answers);
  return into;
}

/** Groups the rows by their keys (joined); every group has its sums and both histograms. */
export function groupRows(sumRows: SumRow[], bucketRows: BucketRow[]): Map<string, UsageGroup> {
  const groups = new Map<string, UsageGroup>();
  const groupOf = (keys: string[]) => {
    const id = keys.join('\u0000');
    const group = groups.get(id) ?? emptyGroup();
    groups.set(id, group);
    return group;
  };
  for (const row of sumRows) {
    const group = groupOf(row.keys);
    for (const sum of SUMS) group[sum] += row[sum];
  }
  for (const row of bucketRows) {
    const group = groupOf(row.keys);
    addCount(row.figure === 'ttft' ? group.ttft : group.speed, row.bucket, row.answers);
  }
  return groups;
}

/**
 * Nearest-rank percentile of a bucket histogram: the bucket holding the ⌈p·n⌉-th smallest value,
 * reported as the bucket's middle (within 5 % of the exact percentile). `null` when empty.
 */
export function percentile(histogram: Map<number, number>, p: number): number | null {
  let total = 0;
  for (const answers of histogram.values()) total += answers;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket) ?? 0;
    if (seen >= rank) return bucketValue(bucket);
  }
  return null;
}

const round = (value: number | null, digits: number) =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

export function toUsageRow(key: string, group: UsageGroup, label?: string): UsageRow {
  return {
    key,
    ...(label !== undefined ? { label } : {}),
    answers: group.answers,
    inputTokens: group.inputTokens,
    outputTokens: group.outputTokens,
    cachedInputTokens: group.cachedInputTokens,
    reasoningTokens: group.reasoningTokens,
    costUsd: microsToUsd(group.costMicros),
    unpricedAnswers: group.unpricedAnswers,
    ttftMsP50: round(percentile(group.ttft, 0.5), 0),
    ttftMsP95: round(percentile(group.ttft, 0.95), 0),
    tokensPerSecondP50: round(percentile(group.speed, 0.5), 1),
  };
}

/** Most expensive first, then most answers; days in calendar order. */
export function compareRows(a: UsageRow, b: UsageRow): number {
  return b.costUsd - a.costUsd || b.answers - a.answers || a.key.localeCompare(b.key);
}
