import { ApiError, NetworkError } from './api-error.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Auth endpoints answer 401 for wrong credentials: that must not end the session. */
  skipUnauthorizedHandler?: boolean;
}

let unauthorizedHandler: (() => void) | undefined;

/** Called when any call answers 401: the session ended (logout elsewhere, expiry). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  unauthorizedHandler = handler;
}

function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function retryAfterOf(response: Response): number | undefined {
  const value = Number(response.headers.get('Retry-After'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = 'internal';
  let message = `The server answered ${response.status}`;
  let details: unknown;
  try {
    const body = (await response.json()) as {
      error?: { code?: unknown; message?: unknown; details?: unknown };
    };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
    details = body.error?.details;
  } catch {
    // Not the contract's error body (a proxy page, an empty 502): keep the generic message.
  }
  return new ApiError(response.status, code, message, details, retryAfterOf(response));
}

/** One JSON request to the Cachibot API with the session cookie; throws `ApiError` or `NetworkError`. */
export async function apiRequest<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError('Cannot reach the server. Check your connection.', { cause: error });
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !options.skipUnauthorizedHandler) unauthorizedHandler?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new NetworkError('The server sent an unreadable answer.', { cause: error });
  }
}
