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

export interface ProviderErrorDescription {
  /** One of our stable codes: `rate_limited`, `unknown_model`, `provider_auth`, `provider_error`, `provider_unreachable`, `timeout`. */
  code: string;
  /** Safe to show: built from statuses and counts, never from the provider's text. */
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
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

/**
 * The wait a provider asks for, read as the AI SDK's own retry does: `retry-after-ms` (OpenAI) first,
 * then `Retry-After` in seconds or as an HTTP date. Undefined when absent, unreadable or in the past.
 */
export function retryAfterMsFrom(
  headers: Record<string, string> | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const header = (name: string) =>
    Object.entries(headers)
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim();
  const valid = (ms: number) => (Number.isFinite(ms) && ms >= 0 ? ms : undefined);
  const milliseconds = header('retry-after-ms');
  if (milliseconds) {
    const ms = valid(Number.parseFloat(milliseconds));
    if (ms !== undefined) return ms;
  }
  const retryAfter = header('retry-after');
  if (!retryAfter) return undefined;
  const seconds = Number.parseFloat(retryAfter);
  if (!Number.isNaN(seconds)) return valid(seconds * 1000);
  return valid(Date.parse(retryAfter) - now);
}

/** Network failures seen bare (Ollama's provider lets undici's `terminated` through unwrapped). */
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);
function isConnectionError(error: unknown): boolean {
  // fetch reports network failures as TypeError ("fetch failed", "terminated"); node-fetch as FetchError.
  if (error instanceof Error && (error.name === 'TypeError' || error.name === 'FetchError')) return true;
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Classifies a provider failure with the AI SDK's own judgement (`APICallError.isRetryable`, the
 * `Retry-After` headers) under our stable codes, never reading the provider's text (it may echo a key).
 */
export function describeProviderError(error: unknown, now = Date.now()): ProviderErrorDescription {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (cause instanceof FirstTokenTimeout) return { code: 'timeout', message: cause.message, retryable: true };
  if (AppError.isInstance(cause)) return { code: cause.code, message: cause.message, retryable: true };
  // Retryable for the chain: another model may exist where this one does not.
  if (NoSuchModelError.isInstance(cause))
    return { code: 'unknown_model', message: 'The provider does not know this model', retryable: true };
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode;
    const retryable = cause.isRetryable;
    const retryAfterMs = retryAfterMsFrom(cause.responseHeaders, now);
    const wait = retryAfterMs !== undefined ? { retryAfterMs } : {};
    if (status === 429)
      return {
        code: 'rate_limited',
        message: 'The provider is rate limiting (HTTP 429)',
        retryable,
        ...wait,
      };
    // Retryable for the chain, whatever the SDK says of a 404: another model may exist.
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
        retryable,
      };
    if (status === undefined)
      return { code: 'provider_unreachable', message: 'The provider could not be reached', retryable };
    // A 2xx here is an answer the SDK could not read ("Failed to process successful response"); it
    // is retryable when a network error cut it off, and then the connection broke.
    if (status < 300)
      return {
        code: 'provider_error',
        message: retryable
          ? 'The connection to the provider broke before the first token'
          : `The provider sent an answer that could not be read (HTTP ${status})`,
        retryable,
      };
    return {
      code: 'provider_error',
      message: retryable
        ? `The provider failed (HTTP ${status})`
        : `The provider rejected the request (HTTP ${status})`,
      retryable,
      ...wait,
    };
  }
  if (isConnectionError(cause))
    return { code: 'provider_unreachable', message: 'The provider could not be reached', retryable: true };
  return { code: 'provider_error', message: 'The provider stream failed', retryable: false };
}

/** A provider's `error` stream part: the provider itself reported the failure, the connection held. */
class ProviderReportedError extends Error {
  constructor(readonly reported: unknown) {
    super('The provider reported an error in its stream');
  }
}

const tokens = (count: number) => `${count} ${count === 1 ? 'token' : 'tokens'}`;

/** A failure after text reached the client: say how far the answer got, never "HTTP 200". */
function describeBreak(error: unknown, streamed: number): ProviderErrorDescription {
  const message =
    error instanceof ProviderReportedError
      ? `The provider stopped with an error after ${tokens(streamed)}`
      : `The connection to the provider broke after ${tokens(streamed)}`;
  return { code: 'provider_error', message, retryable: false };
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
