import type { Chat, Message } from '@cachibot/protocol';
import type { EventBus } from '../bus/event-bus.ts';
import type { MessageRepository } from '../chats/message-repository.ts';
import { toMessage } from '../chats/message-repository.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import { AnswerPersister } from './answer-persister.ts';
import { runAttempts } from './attempt-loop.ts';
import { buildHistory } from './history.ts';
import { LiveTurn } from './live-turn.ts';
import { finishTurn } from './turn-finish.ts';
import type { Logger } from './turn-lifecycle.ts';
import type { TurnPlan } from './turn-plan.ts';
import type { NewTurnRows, TurnRepository } from './turn-repository.ts';

/** Messages of the branch the model may see at most (the context window usually stops it earlier). */
const HISTORY_ROWS = 400;

/** Long runs of key-like characters (API keys, tokens) are replaced; the rest of a message stays. */
export const scrubSecrets = (text: string): string =>
  text.slice(0, 300).replace(/[A-Za-z0-9_\-*.]{20,}/g, '[redacted]');

export interface RunDeps {
  messages: MessageRepository;
  models: ModelDirectory;
  log: Logger;
  firstTokenTimeoutMs: number;
  /** A final write that failed at first landed (or was given up) in the background. */
  onLateStore?: () => void;
}

/** Streams the answer through the attempt loop, then stores and announces the outcome. Never throws. */
export async function runTurn(
  turn: LiveTurn,
  plan: TurnPlan,
  placeholder: Message,
  persister: AnswerPersister,
  deps: RunDeps,
): Promise<'stored' | 'pending'> {
  const { bot } = plan;
  const messageId = turn.init.assistantMessageId;
  let content = '';
  let result: Awaited<ReturnType<typeof runAttempts>>;
  try {
    const settings = JSON.parse(bot.settings) as { temperature?: number; maxOutputTokens?: number };
    const fallbacks = JSON.parse(bot.fallback_models) as string[];
    const branch = await deps.messages.branchRows(plan.userMessage.id, HISTORY_ROWS);
    result = await runAttempts(
      {
        chain: [...new Set([plan.modelRequested, ...fallbacks])],
        historyFor: (model) =>
          buildHistory(branch, plan.userMessage.id, {
            contextWindow: deps.models.info(model).contextWindow,
            maxOutputTokens: settings.maxOutputTokens,
            systemPrompt: bot.system_prompt,
          }),
        system: bot.system_prompt,
        temperature: settings.temperature,
        maxOutputTokens: settings.maxOutputTokens,
        firstTokenTimeoutMs: deps.firstTokenTimeoutMs,
        signal: turn.controller.signal,
        interrupted: () => turn.interrupted && !turn.cancelRequested,
      },
      {
        languageModel: (model) => deps.models.languageModel(model, plan.providerSettings),
        onText: (delta) => {
          content += delta;
          const event = turn.emit('text_delta', { messageId, delta });
          persister.add(event, content, Buffer.byteLength(delta));
        },
        onReasoning: (delta) => persister.add(turn.emit('reasoning_delta', { messageId, delta }), content),
        onFallback: (from, to, reason) =>
          persister.add(turn.emit('model_fallback', { from, to, reason }), content),
        // Providers may echo a (masked) key in a message: long opaque tokens are scrubbed.
        onAttemptFailed: (model, error) =>
          deps.log.warn(
            { turnId: turn.id, model, code: error.code, message: scrubSecrets(error.message) },
            'model attempt failed',
          ),
      },
    );
  } catch (unexpected) {
    deps.log.error({ err: unexpected, turnId: turn.id }, 'turn failed unexpectedly');
    const error = { code: 'internal', message: 'The answer failed because of an internal error' };
    result = { attempts: [], status: 'error', error };
  }
  const outcome = {
    modelRequested: plan.modelRequested,
    attempts: result.attempts,
    status: result.status,
    error: result.status === 'error' ? result.error : undefined,
    timing: { receivedAt: plan.receivedAt, firstTokenAt: result.firstTokenAt, endedAt: Date.now() },
  };
  return finishTurn(turn, persister, placeholder, content, outcome, {
    catalogue: deps.models.catalogue,
    log: deps.log,
    budget: plan.budget,
  });
}

export interface AnnounceDeps {
  bus: EventBus;
  turns: TurnRepository;
  log: Logger;
  persistIntervalMs: number;
  persistBytes: number;
  /** Puts the turn in the live registry before anything about it is published. */
  register(turn: LiveTurn): void;
}

/** A stored turn made live: registered, given its persister, and announced with `turn_started`. */
export function announceTurn(plan: TurnPlan, rows: NewTurnRows, chat: Chat, deps: AnnounceDeps) {
  const { assistantMessage } = rows;
  const turn = new LiveTurn(
    {
      id: plan.turnId,
      userId: plan.userId,
      chatId: plan.chat.id,
      botId: plan.bot.id,
      assistantMessageId: assistantMessage.id,
    },
    deps.bus,
  );
  deps.register(turn);
  const persister = new AnswerPersister(
    deps.turns,
    turn.id,
    plan.chat.id,
    assistantMessage.id,
    { intervalMs: deps.persistIntervalMs, bytes: deps.persistBytes },
    (error, failedWrites) =>
      deps.log.error({ err: error, turnId: turn.id, failedWrites }, 'persisting a batch failed'),
  );
  // Acknowledged only after commit: turn_started follows the stored question.
  const started = turn.record('turn_started', {
    userMessage: toMessage(plan.userMessage),
    assistantMessageId: assistantMessage.id,
    model: plan.modelRequested,
    chat,
    clientMessageId: plan.clientMessageId,
    ...(plan.compareId ? { compareId: plan.compareId } : {}),
  });
  persister.add(started, '');
  turn.publish(started);
  return { turn, persister };
}
