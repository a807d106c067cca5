import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelMessage } from 'ai';
import { callModel, type ModelCallRequest, type ModelCallResult } from './model-call.ts';
import type { AttemptResult, TurnOutcome } from './turn-record.ts';

export interface AttemptLoopRequest {
  /** The requested model first, then the bot's fallbacks (duplicates removed). */
  chain: string[];
  /** The conversation as one model sees it (its context window decides how far back it reaches). */
  historyFor(model: string): ModelMessage[];
  system?: string;
  temperature?: number;
  maxOutputTokens?: number;
  firstTokenTimeoutMs: number;
  /** The turn's own signal: fired only by cancel or shutdown. */
  signal: AbortSignal;
  /** True when the abort came from a shutdown past its grace, not from the user. */
  interrupted(): boolean;
}

export interface AttemptLoopDeps {
  /** Resolves a model id; throws for an unknown provider or model. */
  languageModel(model: string): LanguageModelV3;
  onText(delta: string): void;
  onReasoning(delta: string): void;
  /** Another model (or the same one, once) takes over after a retryable failure before any text. */
  onFallback(from: string, to: string, reason: string): void;
  onAttemptFailed(model: string, error: { code: string; message: string }): void;
  /** Injected in tests: the model call, the clock, and the pause before retrying the same model. */
  call?: (request: ModelCallRequest) => Promise<ModelCallResult>;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface AttemptLoopResult {
  attempts: AttemptResult[];
  status: TurnOutcome['status'];
  error?: { code: string; message: string };
  firstTokenAt?: number;
}

/** Longest pause before retrying the same model, whatever the provider's Retry-After says. */
const MAX_RETRY_PAUSE_MS = 2_000;
const DEFAULT_RETRY_PAUSE_MS = 250;

/** A bot without fallbacks gets one more try of its own model; a model the provider lacks does not. */
export function attemptPlan(chain: string[]): string[] {
  return chain.length === 1 && chain[0] ? [chain[0], chain[0]] : chain;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Tries the models in order until one answers: a retryable failure before the first token moves on to
 * the next model; any failure after text, a cancel or a shutdown ends the loop. Never throws.
 */
export async function runAttempts(
  request: AttemptLoopRequest,
  deps: AttemptLoopDeps,
): Promise<AttemptLoopResult> {
  const call = deps.call ?? callModel;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? pause;
  const plan = attemptPlan(request.chain);
  const attempts: AttemptResult[] = [];
  let firstTokenAt: number | undefined;
  let error: AttemptLoopResult['error'];

  for (let index = 0; index < plan.length; index++) {
    const model = plan[index] as string;
    const result = await attemptOne(model, request, deps, call, now, () => {
      firstTokenAt ??= now();
    });
    attempts.push(result);
    if (result.cancelled && request.interrupted()) {
      // Like a crash, but announced: the text so far is kept and the user may retry.
      const interrupted = {
        code: 'interrupted',
        message: 'The server shut down before this answer finished',
      };
      return { attempts, status: 'error', error: interrupted, firstTokenAt };
    }
    if (result.cancelled) return { attempts, status: 'cancelled', firstTokenAt };
    if (!result.error) return { attempts, status: 'complete', firstTokenAt };
    error = result.error;
    deps.onAttemptFailed(model, result.error);
    const next = plan[index + 1];
    const sameModel = next === model;
    if (!result.retryable || !next || (sameModel && result.error.code === 'unknown_model')) break;
    deps.onFallback(model, next, result.error.code);
    if (sameModel) {
      await sleep(
        Math.min(result.retryAfterMs ?? DEFAULT_RETRY_PAUSE_MS, MAX_RETRY_PAUSE_MS),
        request.signal,
      );
    }
  }
  return { attempts, status: 'error', error, firstTokenAt };
}

function attemptOne(
  model: string,
  request: AttemptLoopRequest,
  deps: AttemptLoopDeps,
  call: (request: ModelCallRequest) => Promise<ModelCallResult>,
  now: () => number,
  onFirstToken: () => void,
): Promise<ModelCallResult> {
  let languageModel: LanguageModelV3;
  try {
    languageModel = deps.languageModel(model);
  } catch (error) {
    const at = now();
    const message = error instanceof Error ? error.message : 'Unknown model';
    return Promise.resolve({
      model,
      startedAt: at,
      endedAt: at,
      error: { code: 'unknown_model', message },
      producedText: false,
      cancelled: false,
      retryable: true,
    });
  }
  return call({
    model,
    languageModel,
    system: request.system,
    messages: request.historyFor(model),
    temperature: request.temperature,
    maxOutputTokens: request.maxOutputTokens,
    turnSignal: request.signal,
    firstTokenTimeoutMs: request.firstTokenTimeoutMs,
    onTextDelta: (delta) => {
      onFirstToken();
      deps.onText(delta);
    },
    onReasoningDelta: deps.onReasoning,
  });
}
