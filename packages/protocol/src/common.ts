import { z } from 'zod';
import { LIMITS } from './limits.ts';

/** `provider/model`: the provider part is a lower-case slug, the rest is passed to the provider unchanged. */
export const ModelIdSchema = z
  .string()
  .max(LIMITS.modelIdChars)
  .regex(/^[a-z0-9][a-z0-9_-]*\/\S.*$/, 'must look like "provider/model"');

export const IdSchema = z.string().min(1).max(100);
export const IsoDateSchema = z.string();

/**
 * Codes of a refused request: the REST error body and a WebSocket `error` event that belongs to no
 * turn (a bad frame, a refused `chat`). Each has its HTTP status; docs/api.md's table is generated
 * from `ERROR_CODES` (npm run docs:api).
 */
export const ERROR_CODES = {
  bad_request: {
    status: 400,
    meaning:
      'The request or frame is malformed or names something invalid; zod-style `details` say which field.',
  },
  unauthorized: { status: 401, meaning: 'Not logged in, or the session ended; also a wrong password.' },
  forbidden: { status: 403, meaning: 'Logged in, but not allowed (admin only, or a foreign `Origin`).' },
  not_found: {
    status: 404,
    meaning: "No such object — also the answer for another user's bot, chat, message or turn.",
  },
  conflict: {
    status: 409,
    meaning:
      'The state forbids it: setup already done, a taken username, a `clientMessageId` reused for other text.',
  },
  payload_too_large: { status: 413, meaning: 'A request body or WebSocket frame over the limit (1 MiB).' },
  rate_limited: {
    status: 429,
    meaning:
      'A limit was hit (logins, turns running at once, messages per minute, frames, sockets); REST answers carry `Retry-After`.',
  },
  budget_exceeded: {
    status: 402,
    meaning:
      "A monthly budget (the bot's or the user's) with the action `block` is used up; the turn was refused before any provider call.",
  },
  provider_error: {
    status: 502,
    meaning:
      'The model provider failed. Turns report provider failures in the turn `error` event instead (see below).',
  },
  internal: { status: 500, meaning: 'An unexpected server error; the message never carries internals.' },
  unavailable: { status: 503, meaning: 'The server is shutting down and takes no new turns; retry shortly.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;
export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

/**
 * Codes of one failed model call: `metadata.attempts[].error.code` and `model_fallback.reason`. The
 * provider layer may also raise a request code (above), which is passed through unchanged.
 */
export const ATTEMPT_ERROR_CODES = {
  timeout: 'No first token within `CACHIBOT_FIRST_TOKEN_TIMEOUT_MS`; the next fallback model takes over.',
  rate_limited: 'The provider is rate limiting (HTTP 429).',
  unknown_model: 'The provider does not know the model, or its provider is not configured.',
  provider_auth: 'The provider refused the API key (HTTP 401/403); not retried on a fallback.',
  provider_error:
    'The provider failed (HTTP 5xx), rejected the request (other HTTP status), or its stream broke.',
  provider_unreachable: 'The provider could not be reached (connection refused, DNS, network).',
  budget_exceeded:
    "A monthly budget with the action `downgrade` is used up: this model was not called, the budget's `downgradeModel` answered.",
} as const satisfies Record<string, string>;

/** Codes that end a turn only: the turn `error` event and `metadata.error.code`, besides attempt codes. */
export const TURN_ONLY_ERROR_CODES = {
  interrupted:
    'The server stopped (crash, kill, or a shutdown past its grace) before the answer finished; the text so far is kept.',
  internal: 'The answer failed because of an unexpected server error.',
  storage_failed:
    'The database refused the final write of the answer; `done` carries what is actually stored, and the server keeps trying.',
} as const satisfies Record<string, string>;

export const AttemptErrorCodeSchema = z.enum(
  Object.keys(ATTEMPT_ERROR_CODES) as [keyof typeof ATTEMPT_ERROR_CODES],
);
export type AttemptErrorCode = z.infer<typeof AttemptErrorCodeSchema>;

/** What a failed turn reports: its last attempt's code, or one of the turn-only codes. */
export const TurnErrorCodeSchema = z.enum([
  ...AttemptErrorCodeSchema.options,
  ...(Object.keys(TURN_ONLY_ERROR_CODES) as (keyof typeof TURN_ONLY_ERROR_CODES)[]),
]);
export type TurnErrorCode = z.infer<typeof TurnErrorCodeSchema>;
/** A turn's or attempt's code: its own codes, or a request code passed through from the provider layer. */
export const isTurnErrorCode = (code: string): boolean =>
  TurnErrorCodeSchema.safeParse(code).success || isErrorCode(code);

export const ErrorInfoSchema = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export const ErrorBodySchema = z.object({
  error: z.object({ code: ErrorCodeSchema, message: z.string(), details: z.unknown().optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
