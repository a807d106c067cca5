import type {
  LanguageModelV3,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { Usage } from '@cachibot/protocol';
import { APICallError, type ModelMessage } from 'ai';
import {
  describeBreak,
  describeProviderError,
  FirstTokenTimeout,
  ProviderReportedError,
} from './provider-errors.ts';
import { type AttemptResult, toFinishReason } from './turn-record.ts';

export { describeProviderError, retryAfterMsFrom } from './provider-errors.ts';

export interface ModelCallRequest {
  model: string;
  languageModel: LanguageModelV3;
  system?: string;
  messages: ModelMessage[];
  temperature?: number;
  maxOutputTokens?: number;
  /** The turn's own signal: fired only by cancel or shutdown. */
  turnSignal: AbortSignal;
  firstTokenTimeoutMs: number;
  onTextDelta(text: string): void;
  onReasoningDelta(text: string): void;
}

export interface ModelCallResult extends AttemptResult {
  /** Whether any text reached the client: after that a failure is an error, never a silent restart. */
  producedText: boolean;
  cancelled: boolean;
  /**
   * Whether another attempt may succeed where this one failed: the AI SDK's `isRetryable` (408, 409,
   * 429, 5xx, network errors), a first-token timeout, and an unknown model (another model may exist).
   * Never after text reached the client.
   */
  retryable: boolean;
  /** How long the provider asked us to wait (`retry-after-ms`, `Retry-After`), uncapped: cap it before sleeping. */
  retryAfterMs?: number;
  /** The stream failed after text reached the client: the answer is partial, and says after how much. */
  brokeMidStream?: boolean;
  /** Text deltas received (one per token for the providers we speak to). */
  tokensStreamed?: number;
}

/** The conversation as the provider interface takes it: the history is plain text. */
export function toPrompt(system: string | undefined, messages: ModelMessage[]): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = system ? [{ role: 'system', content: system }] : [];
  for (const message of messages) {
    if (typeof message.content !== 'string') throw new Error('History messages are plain text');
    if (message.role === 'user' || message.role === 'assistant')
      prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
    else if (message.role === 'system') prompt.push({ role: 'system', content: message.content });
  }
  return prompt;
}

export function toUsage(usage: LanguageModelV3Usage): Usage {
  const input = usage.inputTokens.total ?? 0;
  const output = usage.outputTokens.total ?? 0;
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: input + output,
    ...(usage.inputTokens.cacheRead ? { cachedInputTokens: usage.inputTokens.cacheRead } : {}),
    ...(usage.outputTokens.reasoning ? { reasoningTokens: usage.outputTokens.reasoning } : {}),
  };
}

/** One attempt: streams a model's answer, measuring on the server clock. Never throws. */
export async function callModel(request: ModelCallRequest): Promise<ModelCallResult> {
  const startedAt = Date.now();
  const attemptAbort = new AbortController();
  const timeout = setTimeout(
    () =>
      attemptAbort.abort(new FirstTokenTimeout(`No first token within ${request.firstTokenTimeoutMs} ms`)),
    request.firstTokenTimeoutMs,
  );
  let producedText = false;
  let tokensStreamed = 0;
  const result: ModelCallResult = {
    model: request.model,
    startedAt,
    endedAt: startedAt,
    producedText,
    cancelled: false,
    retryable: false,
    brokeMidStream: false,
    tokensStreamed,
  };
  try {
    // The provider's own stream (LanguageModelV3 `doStream`): streamText's pipeline around it costs
    // more CPU than the rest of a turn together (bench/experiments/ai-sdk-cost.ts), and we use none of
    // it: our fallback chain is the retry policy, and history is plain text.
    const { stream } = await request.languageModel.doStream({
      prompt: toPrompt(request.system, request.messages),
      temperature: request.temperature,
      maxOutputTokens: request.maxOutputTokens,
      // Ollama reads sampling settings only from `options`; other providers ignore this key.
      providerOptions: {
        ollama: {
          options: {
            ...(request.maxOutputTokens !== undefined ? { num_predict: request.maxOutputTokens } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          },
        },
      },
      abortSignal: AbortSignal.any([request.turnSignal, attemptAbort.signal]),
    });
    for await (const part of stream as unknown as AsyncIterable<LanguageModelV3StreamPart>) {
      if (part.type === 'text-delta') {
        if (!part.delta) continue;
        if (!producedText) clearTimeout(timeout);
        producedText = true;
        tokensStreamed++;
        request.onTextDelta(part.delta);
      } else if (part.type === 'reasoning-delta') {
        if (!part.delta) continue;
        clearTimeout(timeout);
        request.onReasoningDelta(part.delta);
      } else if (part.type === 'response-metadata') {
        if (part.modelId) result.providerModelId = part.modelId;
      } else if (part.type === 'finish') {
        result.usage = toUsage(part.usage);
        result.finishReason = toFinishReason(part.finishReason.unified);
      } else if (part.type === 'error') {
        throw APICallError.isInstance(part.error) ? part.error : new ProviderReportedError(part.error);
      }
    }
    if (attemptAbort.signal.aborted) throw attemptAbort.signal.reason;
    if (request.turnSignal.aborted) result.cancelled = true;
  } catch (error) {
    if (request.turnSignal.aborted) result.cancelled = true;
    else {
      const reason = attemptAbort.signal.aborted ? attemptAbort.signal.reason : error;
      const described = producedText
        ? describeBreak(reason, tokensStreamed)
        : describeProviderError(reason instanceof ProviderReportedError ? reason.reported : reason);
      result.error = { code: described.code, message: described.message };
      result.retryable = described.retryable && !producedText;
      result.brokeMidStream = producedText;
      if (described.retryAfterMs !== undefined) result.retryAfterMs = described.retryAfterMs;
    }
  } finally {
    clearTimeout(timeout);
    result.endedAt = Date.now();
    result.producedText = producedText;
    result.tokensStreamed = tokensStreamed;
  }
  return result;
}
