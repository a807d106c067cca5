/** What one finished answer adds to its chat's totals. */
export function answerTotals(metadata: {
  usage?: { inputTokens?: number; outputTokens?: number };
  costUsd?: number;
}): { input_tokens: number; output_tokens: number; cost_micros: number; unpriced_answers: number } {
  const input = metadata.usage?.inputTokens ?? 0;
  const output = metadata.usage?.outputTokens ?? 0;
  const priced = metadata.costUsd !== undefined;
  return {
    input_tokens: input,
    output_tokens: output,
    cost_micros: priced ? Math.round((metadata.costUsd as number) * 1_000_000) : 0,
    unpriced_answers: !priced && input + output > 0 ? 1 : 0,
  };
}
