// Behaviour knobs shared by every provider double, the per-request directive parser, and the
// deterministic answer generator. Pure functions only: the HTTP side lives in double-server.ts.

/** How a double answers one chat request. Unset fields fall back to the next layer down. */
export interface DoubleKnobs {
  /** Number of generated output tokens (default 20). Ignored when `text` is set. */
  tokens?: number;
  /** Explicit answer; split into tokens by words, each keeping its leading whitespace. */
  text?: string;
  /** Wait before every token, in ms (default 0). */
  delayMs?: number;
  /** Wait before the first token instead of `delayMs` (time to first token). */
  firstTokenDelayMs?: number;
  /** Answer with this HTTP error status and the provider's error JSON instead of a completion. */
  status?: number;
  /** With `status`: only the first N requests per model id fail, later ones succeed. */
  failTimes?: number;
  /** With `status`: send a `retry-after-ms` header so SDK retries do not sleep for seconds. */
  retryAfterMs?: number;
  /** Accept the request and never answer, until the client aborts. */
  hang?: boolean;
  /** Destroy the socket after N tokens, without the provider's end-of-stream marker. */
  cutAfter?: number;
  /** The `model` the double reports back (default: requested id + '-double'). */
  reportedModel?: string;
  /** Answer 404 model_not_found for model ids outside the double's model list (default false). */
  strictModels?: boolean;
}

export const DEFAULT_TOKENS = 20;

/** Why the answer stopped, in provider-neutral terms. */
export type FinishReason = 'stop' | 'length';

export interface TokenPlan {
  tokens: string[];
  finishReason: FinishReason;
}

/** Thrown for a malformed `[[double …]]` directive; doubles answer it with HTTP 400. */
export class DirectiveError extends Error {}

/** Default token i (1-based): `tok1`, then ` tok2`, ` tok3`, … so the text reads "tok1 tok2 tok3". */
export function defaultTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'tok1' : ` tok${i + 1}`));
}

/** The exact answer text a double generates for `tokens` default tokens. */
export function expectedText(tokens: number): string {
  return defaultTokens(tokens).join('');
}

/** Splits text into word tokens that keep their leading whitespace, so joining gives it back. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Deterministic stand-in for a tokenizer: whitespace-separated words. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Which tokens to send, honouring the client's output limit like a real model does. */
export function planTokens(knobs: DoubleKnobs, maxTokens: number | undefined): TokenPlan {
  const all =
    knobs.text !== undefined ? splitIntoTokens(knobs.text) : defaultTokens(knobs.tokens ?? DEFAULT_TOKENS);
  if (maxTokens !== undefined && all.length > maxTokens) {
    return { tokens: all.slice(0, Math.max(0, maxTokens)), finishReason: 'length' };
  }
  return { tokens: all, finishReason: 'stop' };
}

/** Later layers win; `undefined` fields do not erase earlier ones. */
export function mergeKnobs(...layers: Array<DoubleKnobs | undefined>): DoubleKnobs {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) merged[key] = value;
    }
  }
  return merged as DoubleKnobs;
}

type KnobKey = keyof DoubleKnobs;

const NUMBER_KEYS: KnobKey[] = [
  'tokens',
  'delayMs',
  'firstTokenDelayMs',
  'status',
  'failTimes',
  'retryAfterMs',
  'cutAfter',
];
const BOOLEAN_KEYS: KnobKey[] = ['hang', 'strictModels'];
const STRING_KEYS: KnobKey[] = ['text', 'reportedModel'];

// Short spellings so directives stay readable inside chat messages.
const ALIASES: Record<string, KnobKey> = {
  delay: 'delayMs',
  firstDelay: 'firstTokenDelayMs',
  firstTokenDelay: 'firstTokenDelayMs',
  ttft: 'firstTokenDelayMs',
  cut: 'cutAfter',
  model: 'reportedModel',
  strict: 'strictModels',
  fail: 'failTimes',
  retryAfter: 'retryAfterMs',
};

const DIRECTIVE = /\[\[double\b([^\]]*)\]\]/i;
const PAIR = /([A-Za-z]+)(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?/g;

/**
 * Reads the first `[[double key=value …]]` directive in a message, e.g.
 * `[[double tokens=5 delay=20]]`, `[[double status=429]]`, `[[double hang]]`,
 * `[[double text="Hello there"]]`. Returns `{}` when there is none. Unknown keys or bad values
 * throw, so a typo in a test fails loudly instead of being silently ignored.
 */
export function parseDirective(text: string): DoubleKnobs {
  const match = DIRECTIVE.exec(text);
  if (!match) return {};
  const knobs: Record<string, unknown> = {};
  for (const pair of (match[1] ?? '').matchAll(PAIR)) {
    const rawKey = pair[1] ?? '';
    const key = ALIASES[rawKey] ?? (rawKey as KnobKey);
    const value = pair[2] ?? pair[3] ?? pair[4];
    knobs[key] = parseKnobValue(key, rawKey, value);
  }
  return knobs as DoubleKnobs;
}

function parseKnobValue(key: KnobKey, rawKey: string, value: string | undefined): unknown {
  if (NUMBER_KEYS.includes(key)) {
    const number = Number(value);
    if (value === undefined || !Number.isFinite(number) || number < 0) {
      throw new DirectiveError(`double directive: ${rawKey} needs a non-negative number`);
    }
    return number;
  }
  if (BOOLEAN_KEYS.includes(key)) {
    if (value === undefined || value === 'true') return true;
    if (value === 'false') return false;
    throw new DirectiveError(`double directive: ${rawKey} must be true or false`);
  }
  if (STRING_KEYS.includes(key)) {
    if (value === undefined) throw new DirectiveError(`double directive: ${rawKey} needs a value`);
    return value;
  }
  throw new DirectiveError(`double directive: unknown key "${rawKey}"`);
}
