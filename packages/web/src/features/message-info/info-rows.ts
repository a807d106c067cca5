import type { Attempt, Message } from '@cachibot/protocol';
import { formatCost, formatDuration, formatTokens, formatTokensPerSecond } from './format.ts';

export interface InfoRow {
  label: string;
  value: string;
}

/** The per-answer record (META-01) as label/value pairs; everything comes from the server's metadata. */
export function infoRows(message: Message): InfoRow[] {
  const meta = message.metadata;
  const usage = meta.usage;
  const rows: InfoRow[] = [{ label: 'Model', value: meta.model ?? '—' }];
  if (meta.modelRequested && meta.modelRequested !== meta.model) {
    rows.push({ label: 'Model requested', value: meta.modelRequested });
  }
  if (meta.providerModelId) rows.push({ label: 'Provider model id', value: meta.providerModelId });
  rows.push({
    label: 'Tokens in / out',
    value: usage ? `${formatTokens(usage.inputTokens)} / ${formatTokens(usage.outputTokens)}` : '—',
  });
  if (usage?.cachedInputTokens !== undefined)
    rows.push({ label: 'Cached input tokens', value: formatTokens(usage.cachedInputTokens) });
  if (usage?.reasoningTokens !== undefined)
    rows.push({ label: 'Reasoning tokens', value: formatTokens(usage.reasoningTokens) });
  rows.push(
    { label: 'Cost', value: formatCost(meta.costUsd) },
    { label: 'Time to first token', value: formatDuration(meta.ttftMs) },
    { label: 'Total time', value: formatDuration(meta.durationMs) },
    { label: 'Speed', value: formatTokensPerSecond(meta.tokensPerSecond) },
    {
      label: 'Finish reason',
      value: meta.finishReason ?? (message.status === 'streaming' ? 'streaming…' : '—'),
    },
  );
  if (meta.error) rows.push({ label: 'Error', value: `${meta.error.message} (${meta.error.code})` });
  return rows;
}

/** "openai/gpt-4o — 1.24 s — ok" or "… — rate_limited: Too many requests". */
export function describeAttempt(attempt: Attempt): string {
  const outcome = attempt.error ? `${attempt.error.code}: ${attempt.error.message}` : 'ok';
  return `${attempt.model} — ${formatDuration(attempt.durationMs)} — ${outcome}`;
}
