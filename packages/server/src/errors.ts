import type { ErrorCode } from '@cachibot/protocol';

const STATUS: Record<ErrorCode | 'unavailable', number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  budget_exceeded: 402,
  provider_error: 502,
  internal: 500,
  unavailable: 503,
};

export type AppErrorCode = keyof typeof STATUS;

/**
 * The one error type services throw. Its message is safe to show to the client; anything else that is
 * thrown is logged and answered as `internal` without details.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }

  static isInstance(value: unknown): value is AppError {
    return value instanceof Error && value.name === 'AppError' && 'code' in value && 'status' in value;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const badRequest = (message: string, details?: unknown) =>
  new AppError('bad_request', message, details);

/** The contract's error body for anything thrown. Unknown errors never leak their message. */
export function toErrorBody(error: unknown): {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
} {
  if (AppError.isInstance(error)) {
    const body: { code: string; message: string; details?: unknown } = {
      code: error.code,
      message: error.message,
    };
    if (error.details !== undefined) body.details = error.details;
    return { status: error.status, body: { error: body } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } };
}
