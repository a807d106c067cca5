import type { Attempt, FinishReason, MessageMetadata, Usage } from '@cachibot/protocol';
import type { Catalogue } from '../models/catalogue.ts';
import { costMicros, microsToUsd } from '../models/pricing.ts';

/** What one model call produced, measured on the server clock. */
export interface AttemptResult {
  model: string;
  startedAt: number;
  endedAt: number;
  error?: { code: string; message: string };
  usage?: Usage;
  providerModelId?: string;
  finishReason?: FinishReason;
}

export interface TurnTiming {
  receivedAt: number;
  firstTokenAt?: number;
  endedAt: number;
}

export interface TurnOutcome {
  modelRequested: string;
  attempts: AttemptResult[];
  timing: TurnTiming;
  status: 'complete' | 'cancelled' | 'error';
  error?: { code: string; message: string };
}

/** Provider finish reasons mapped onto the contract's set. */
export function toFinishReason(reason: string | undefined): FinishReason {
  const known: FinishReason[] = ['stop', 'length', 'tool-calls', 'content-filter', 'error', 'other'];
  return known.includes(reason as FinishReason) ? (reason as FinishReason) : 'other';
}

/** The per-message record (META-01) from a turn's attempts and timings. Pure: easy to test. */
export function buildMetadata(outcome: TurnOutcome, catalogue: Catalogue): MessageMetadata {
  const { attempts, timing } = outcome;
  const last = attempts[attempts.length - 1];
  const metadata: MessageMetadata = {
    model: last?.model ?? outcome.modelRequested,
    modelRequested: outcome.modelRequested,
    catalogueVersion: catalogue.version,
  };
  if (last?.providerModelId) metadata.providerModelId = last.providerModelId;

  let totalMicros: number | undefined = 0;
  const perModel: NonNullable<MessageMetadata['perModel']> = {};
  for (const attempt of attempts) {
    const entry = perModel[attempt.model] ?? { inputTokens: 0, outputTokens: 0, calls: 0, durationMs: 0 };
    entry.calls += 1;
    entry.durationMs += attempt.endedAt - attempt.startedAt;
    if (attempt.usage) {
      entry.inputTokens += attempt.usage.inputTokens;
      entry.outputTokens += attempt.usage.outputTokens;
      const micros = costMicros(attempt.usage, catalogue.get(attempt.model)?.pricing);
      if (micros === undefined) totalMicros = undefined;
      else {
        entry.costUsd = microsToUsd(Math.round((entry.costUsd ?? 0) * 1e6) + micros);
        if (totalMicros !== undefined) totalMicros += micros;
      }
    }
    perModel[attempt.model] = entry;
  }
  metadata.perModel = perModel;

  const usage = attempts.reduce<Usage | undefined>((sum, attempt) => addUsage(sum, attempt.usage), undefined);
  if (usage) {
    metadata.usage = usage;
    if (totalMicros !== undefined) metadata.costUsd = microsToUsd(totalMicros);
  }
  if (timing.firstTokenAt !== undefined) metadata.ttftMs = timing.firstTokenAt - timing.receivedAt;
  metadata.durationMs = timing.endedAt - timing.receivedAt;
  const generationMs = timing.firstTokenAt !== undefined ? timing.endedAt - timing.firstTokenAt : 0;
  if (usage && usage.outputTokens > 0 && generationMs > 0) {
    metadata.tokensPerSecond = Math.round((usage.outputTokens / (generationMs / 1000)) * 10) / 10;
  }
  metadata.finishReason =
    outcome.status === 'cancelled'
      ? 'cancelled'
      : outcome.status === 'error'
        ? 'error'
        : (last?.finishReason ?? 'stop');
  metadata.attempts = attempts.map(
    (attempt): Attempt => ({
      model: attempt.model,
      startedAt: new Date(attempt.startedAt).toISOString(),
      durationMs: attempt.endedAt - attempt.startedAt,
      ...(attempt.error ? { error: attempt.error } : {}),
    }),
  );
  if (outcome.error) metadata.error = outcome.error;
  return metadata;
}

function addUsage(sum: Usage | undefined, next: Usage | undefined): Usage | undefined {
  if (!next) return sum;
  if (!sum) return { ...next };
  const merged: Usage = {
    inputTokens: sum.inputTokens + next.inputTokens,
    outputTokens: sum.outputTokens + next.outputTokens,
    totalTokens: sum.totalTokens + next.totalTokens,
  };
  if (sum.cachedInputTokens !== undefined || next.cachedInputTokens !== undefined)
    merged.cachedInputTokens = (sum.cachedInputTokens ?? 0) + (next.cachedInputTokens ?? 0);
  if (sum.reasoningTokens !== undefined || next.reasoningTokens !== undefined)
    merged.reasoningTokens = (sum.reasoningTokens ?? 0) + (next.reasoningTokens ?? 0);
  return merged;
}
