/** A REST call answered with the contract's error shape (`{ error: { code, message, details? } }`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds from a `Retry-After` header (429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** Survives duplicated module copies (HMR, tests), unlike `instanceof`. */
  static isInstance(value: unknown): value is ApiError {
    return value instanceof Error && value.name === 'ApiError' && 'code' in value && 'status' in value;
  }
}

/** The request never got an answer (offline, DNS, server down) or the answer was not JSON. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  static isInstance(value: unknown): value is NetworkError {
    return value instanceof Error && value.name === 'NetworkError';
  }
}

/** A sentence a user can read, whatever was thrown. */
export function describeError(error: unknown): string {
  if (ApiError.isInstance(error)) {
    if (error.code === 'rate_limited' && error.retryAfterSeconds) {
      return `${error.message} (try again in ${error.retryAfterSeconds} s)`;
    }
    return error.message;
  }
  if (NetworkError.isInstance(error)) return error.message;
  return 'Something went wrong. Please try again.';
}
