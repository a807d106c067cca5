import type {
  LanguageModelV3,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { Usage } from '@cachibot/protocol';
import { APICallError, type ModelMessage, NoSuchModelError, RetryError } from 'ai';
import { AppError } from '../errors.ts';
import { type AttemptResult, toFinishReason } from './turn-record.ts';

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
  /** Whether the next fallback model may take over (rate limit, 5xx, timeout, unknown model). */
  retryable: boolean;
}

class FirstTokenTimeout extends Error {}

/** The conversation as the provider interface takes it: the history is plain text. */
export function toPrompt(system: string | undefined, messages: ModelMessage[]): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = system ? [{ role: 'system', content: system }] : [];
  for (const message of messages) {
    if (typeof message.content !== 'string') throw new Error('History messages are plain text');
    if (message.role === 'user' || message.role === 'assistant')
      prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
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

/** Classifies a provider failure without ever reading its text for secrets: codes and statuses only. */
export function describeProviderError(error: unknown): { code: string; message: string; retryable: boolean } {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (cause instanceof FirstTokenTimeout) return { code: 'timeout', message: cause.message, retryable: true };
  if (AppError.isInstance(cause)) return { code: cause.code, message: cause.message, retryable: true };
  if (NoSuchModelError.isInstance(cause))
    return { code: 'unknown_model', message: 'The provider does not know this model', retryable: true };
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode;
    if (status === 429)
      return { code: 'rate_limited', message: 'The provider is rate limiting (HTTP 429)', retryable: true };
    if (status === 404)
      return {
        code: 'unknown_model',
        message: 'The provider does not know this model (HTTP 404)',
        retryable: true,
      };
    if (status === 401 || status === 403)
      return {
        code: 'provider_auth',
        message: `The provider refused the API key (HTTP ${status})`,
        retryable: false,
      };
    if (status !== undefined && status >= 500)
      return { code: 'provider_error', message: `The provider failed (HTTP ${status})`, retryable: true };
    if (status !== undefined)
      return {
        code: 'provider_error',
        message: `The provider rejected the request (HTTP ${status})`,
        retryable: false,
      };
    return { code: 'provider_unreachable', message: 'The provider could not be reached', retryable: true };
  }
  const name = cause instanceof Error ? cause.name : '';
  if (name === 'TypeError' || name === 'FetchError')
    return { code: 'provider_unreachable', message: 'The provider could not be reached', retryable: true };
  return { code: 'provider_error', message: 'The provider stream failed', retryable: false };
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
  const result: ModelCallResult = {
    model: request.model,
    startedAt,
    endedAt: startedAt,
    producedText,
    cancelled: false,
    retryable: false,
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
        throw part.error;
      }
    }
    if (attemptAbort.signal.aborted) throw attemptAbort.signal.reason;
    if (request.turnSignal.aborted) result.cancelled = true;
  } catch (error) {
    if (request.turnSignal.aborted) result.cancelled = true;
    else {
      const described = describeProviderError(
        attemptAbort.signal.aborted ? attemptAbort.signal.reason : error,
      );
      result.error = { code: described.code, message: described.message };
      result.retryable = described.retryable && !producedText;
    }
  } finally {
    clearTimeout(timeout);
    result.endedAt = Date.now();
    result.producedText = producedText;
  }
  return result;
}
