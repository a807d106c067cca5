import { APICallError, NoSuchModelError, RetryError } from 'ai';
import { AppError } from '../errors.ts';

export interface ProviderErrorDescription {
  /** One of our stable codes: `rate_limited`, `unknown_model`, `provider_auth`, `provider_error`, `provider_unreachable`, `timeout`. */
  code: string;
  /** Safe to show: built from statuses and counts, never from the provider's text. */
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

export class FirstTokenTimeout extends Error {}

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
export class ProviderReportedError extends Error {
  constructor(readonly reported: unknown) {
    super('The provider reported an error in its stream');
  }
}

const tokens = (count: number) => `${count} ${count === 1 ? 'token' : 'tokens'}`;

/** A failure after text reached the client: say how far the answer got, never "HTTP 200". */
export function describeBreak(error: unknown, streamed: number): ProviderErrorDescription {
  const message =
    error instanceof ProviderReportedError
      ? `The provider stopped with an error after ${tokens(streamed)}`
      : `The connection to the provider broke after ${tokens(streamed)}`;
  return { code: 'provider_error', message, retryable: false };
}
