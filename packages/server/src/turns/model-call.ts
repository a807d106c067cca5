import {
  APICallError,
  type LanguageModel,
  type ModelMessage,
  NoSuchModelError,
  RetryError,
  streamText,
} from 'ai';
import { AppError } from '../errors.ts';
import { type AttemptResult, toFinishReason } from './turn-record.ts';

export interface ModelCallRequest {
  model: string;
  languageModel: LanguageModel;
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
    const stream = streamText({
      model: request.languageModel,
      system: request.system || undefined,
      messages: request.messages,
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
      maxRetries: 0, // the fallback chain is our retry policy
      abortSignal: AbortSignal.any([request.turnSignal, attemptAbort.signal]),
      onError: () => {}, // errors arrive as stream parts below; the SDK must not print them
    });
    for await (const part of stream.fullStream) {
      if (part.type === 'text-delta' && part.text) {
        if (!producedText) clearTimeout(timeout);
        producedText = true;
        request.onTextDelta(part.text);
      } else if (part.type === 'reasoning-delta' && part.text) {
        clearTimeout(timeout);
        request.onReasoningDelta(part.text);
      } else if (part.type === 'finish-step') {
        result.providerModelId = part.response.modelId;
      } else if (part.type === 'finish') {
        const usage = part.totalUsage;
        result.usage = {
          inputTokens: usage.inputTokens ?? 0,
          outputTokens: usage.outputTokens ?? 0,
          totalTokens: usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
          ...(usage.inputTokenDetails?.cacheReadTokens
            ? { cachedInputTokens: usage.inputTokenDetails.cacheReadTokens }
            : {}),
          ...(usage.outputTokenDetails?.reasoningTokens
            ? { reasoningTokens: usage.outputTokenDetails.reasoningTokens }
            : {}),
        };
        result.finishReason = toFinishReason(part.finishReason);
      } else if (part.type === 'error') {
        throw part.error;
      } else if (part.type === 'abort') {
        break;
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
