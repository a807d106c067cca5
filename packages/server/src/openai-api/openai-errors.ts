import { AppError, type AppErrorCode } from '../errors.ts';

/** OpenAI's error body: what its clients parse (and what their retry logic reads the status of). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIErrorReply {
  status: number;
  body: OpenAIErrorBody;
  retryAfterSeconds?: number;
}

/** An error this API answers in OpenAI's terms: an AppError whose OpenAI `code` is given. */
export class OpenAIApiError extends AppError {
  constructor(
    code: AppErrorCode,
    message: string,
    readonly openaiCode: string,
    readonly param: string | null = null,
  ) {
    super(code, message);
  }
}

/** OpenAI's `type` for each status it uses; budgets speak of quota, as OpenAI's billing errors do. */
function typeFor(code: string, status: number): string {
  if (code === 'budget_exceeded') return 'insufficient_quota';
  if (status === 401) return 'invalid_request_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'requests';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** OpenAI's `code` where it has one for the same thing; otherwise Cachibot's own code. */
const OPENAI_CODES: Partial<Record<string, string>> = {
  unauthorized: 'invalid_api_key',
  rate_limited: 'rate_limit_exceeded',
  unknown_model: 'model_not_found',
};

/** Fastify's own errors (bad JSON, wrong content type, body too large) as AppErrors. */
function fromFramework(error: unknown): AppError | undefined {
  const fastifyError = error as { code?: string; statusCode?: number };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new AppError('payload_too_large', 'Request body is too large (at most 1 MiB)');
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AppError('bad_request', 'Unsupported content type; send application/json');
  if (fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return new AppError('bad_request', 'Request body is empty; send JSON');
  if (fastifyError.statusCode === 400 || fastifyError.statusCode === 413)
    return new AppError('bad_request', 'Request body is not valid JSON');
  return undefined;
}

/** Anything thrown in a `/v1` route, in OpenAI's shape. Unknown errors never show their message. */
export function toOpenAIError(error: unknown): OpenAIErrorReply & { known: boolean } {
  const known = AppError.isInstance(error) ? error : fromFramework(error);
  if (!known) {
    const body = { message: 'Internal server error', type: 'server_error', param: null, code: 'internal' };
    return { status: 500, body: { error: body }, known: false };
  }
  const openai = known instanceof OpenAIApiError ? known : undefined;
  const details = known.details as { path?: string }[] | undefined;
  const param = openai?.param ?? (Array.isArray(details) && details[0]?.path ? details[0].path : null);
  const body = {
    message: known.message,
    type: typeFor(known.code, known.status),
    param,
    code: openai?.openaiCode ?? OPENAI_CODES[known.code] ?? known.code,
  };
  return {
    status: known.status,
    body: { error: body },
    known: true,
    ...(known.retryAfterSeconds ? { retryAfterSeconds: known.retryAfterSeconds } : {}),
  };
}

/** Status of a turn that failed (its `metadata.error.code`): what a client would retry, and how. */
const TURN_STATUS: Record<string, number> = {
  rate_limited: 429,
  timeout: 504,
  unknown_model: 404,
  budget_exceeded: 402,
  interrupted: 503,
  internal: 500,
  storage_failed: 500,
};

/** A failed turn's error (before any text was sent) as an OpenAI error reply. */
export function turnErrorReply(error: { code: string; message: string }): OpenAIErrorReply {
  const status = TURN_STATUS[error.code] ?? 502;
  const code = OPENAI_CODES[error.code] ?? error.code;
  return {
    status,
    body: { error: { message: error.message, type: typeFor(code, status), param: null, code } },
  };
}
