import type { ChatFramePayload, CompareFramePayload, RegenerateFramePayload } from '@cachibot/protocol';
import type { BotProviderService } from '../bots/bot-provider-service.ts';
import type { BotService } from '../bots/bot-service.ts';
import type { ChatService } from '../chats/chat-service.ts';
import { newChatRow, titleFromMessage } from '../chats/chat-service.ts';
import type { MessageRepository } from '../chats/message-repository.ts';
import type { BotTable, MessageTable } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import type { ModelDirectory } from '../models/model-directory.ts';
import { admitBudget, admitBudgets, type BudgetGate } from './turn-budget.ts';
import { shareReservation, type TurnCapacity } from './turn-capacity.ts';
import type { TurnPlan } from './turn-plan.ts';
import type { TurnRepository } from './turn-repository.ts';

/** A started (or repeated) turn: what a transport needs to follow its events. */
export interface TurnHandle {
  turnId: string;
  chatId: string;
  repeated: boolean;
}

/** Admission's answer: a plan holding a capacity slot, or the turn this clientMessageId started before. */
export type Admission = { plan: TurnPlan } | { repeat: TurnHandle };
/** A compare's answer: one plan per model sharing one question and one slot, or the turns it started before. */
export type CompareAdmission = { plans: TurnPlan[] } | { repeat: TurnHandle[] };

export interface AdmissionDeps {
  bots: BotService;
  botProviders: BotProviderService;
  chats: ChatService;
  messages: MessageRepository;
  turns: TurnRepository;
  models: ModelDirectory;
  capacity: TurnCapacity;
  /** Budgets of the user and the bot, checked after the model choice (usage/budget-guard.ts). */
  budgets?: BudgetGate;
}

type PlanBase = Omit<TurnPlan, 'modelRequested' | 'providerSettings' | 'reservation'>;

/**
 * Who may start what: ownership, idempotency, the capacity slot and the model choice, turned into a
 * plan. Nothing is stored here; the slot is released again if the plan cannot be made.
 */
export class TurnAdmission {
  constructor(private readonly deps: AdmissionDeps) {}

  async admitChat(userId: string, payload: ChatFramePayload, receivedAt: number): Promise<Admission> {
    const base = await this.question(userId, payload, receivedAt);
    if ('repeat' in base) return { repeat: base.repeat };
    if (payload.model) base.chatChanges.model = payload.model;
    return this.plan(payload.model ?? base.chat.model ?? undefined, base);
  }

  /** 2–4 models answer one question: every model is checked before anything is stored. */
  async admitCompare(
    userId: string,
    payload: CompareFramePayload,
    receivedAt: number,
  ): Promise<CompareAdmission> {
    const base = await this.question(userId, payload, receivedAt);
    if ('repeat' in base) {
      const turns = await this.deps.turns.findTurnsByUserMessage(base.repeatOf.id);
      return { repeat: turns.map((turn) => ({ turnId: turn.id, chatId: turn.chat_id, repeated: true })) };
    }
    // A compare is one message for the per-minute limit and one slot of the running limit.
    const [slot] = this.deps.capacity.reserve(userId);
    if (!slot) throw new AppError('internal', 'No capacity slot was reserved');
    try {
      const providerSettings = await this.deps.botProviders.settingsFor(base.bot.id);
      for (const model of payload.models) this.deps.models.languageModel(model, providerSettings);
      const shares = shareReservation(slot, payload.models.length);
      const turn = { ...base, promptChars: base.userMessage.content.length };
      const budgeted = await admitBudgets(this.deps.budgets, turn, payload.models, shares);
      return {
        plans: budgeted.map((budget, index) => ({
          ...base,
          turnId: index === 0 ? base.turnId : newId(),
          newUserMessage: index === 0,
          providerSettings,
          ...budget,
          compareId: base.userMessage.id,
        })),
      };
    } catch (error) {
      slot.cancel();
      throw error;
    }
  }

  /** Ownership, idempotency and the question's row, shared by `chat` and `compare`. */
  private async question(
    userId: string,
    payload: ChatFramePayload | CompareFramePayload,
    receivedAt: number,
  ): Promise<PlanBase | { repeat: TurnHandle; repeatOf: MessageTable }> {
    const { bots, chats, messages } = this.deps;
    const bot = await bots.getOwnedRow(userId, payload.botId);
    const chat = payload.chatId ? await chats.getOwnedRow(userId, payload.chatId) : undefined;
    if (chat && chat.bot_id !== bot.id) throw notFound('Chat');
    if (payload.replyToId !== undefined && payload.replyToId !== null) {
      const parent = await messages.findById(payload.replyToId);
      if (!chat || !parent || parent.user_id !== userId || parent.chat_id !== chat.id)
        throw notFound('Message');
    }
    const existing = await messages.findByClientId(userId, payload.clientMessageId);
    if (existing) return { repeat: await this.repeatOf(existing, payload.message), repeatOf: existing };

    const now = nowIso();
    const model = 'model' in payload ? (payload.model ?? null) : null;
    const chatRow = chat ?? newChatRow(userId, bot.id, titleFromMessage(payload.message), model);
    const turnId = newId();
    const userMessage: MessageTable = {
      id: newId(),
      chat_id: chatRow.id,
      user_id: userId,
      role: 'user',
      content: payload.message,
      status: 'complete',
      // Without replyToId the question continues the branch the chat shows; null starts a new root.
      parent_id: payload.replyToId === undefined ? (chat?.current_message_id ?? null) : payload.replyToId,
      client_message_id: payload.clientMessageId,
      turn_id: turnId,
      metadata: '{}',
      created_at: now,
      updated_at: now,
    };
    return {
      turnId,
      userId,
      bot,
      chat: chatRow,
      createChat: !chat,
      chatChanges: { updated_at: now },
      userMessage,
      newUserMessage: true,
      assistantClientMessageId: null,
      clientMessageId: payload.clientMessageId,
      text: payload.message,
      receivedAt,
    };
  }

  /** Answers a stored question again; `messageId` may name the question or one of its answers. */
  async admitRegenerate(
    userId: string,
    payload: RegenerateFramePayload,
    receivedAt: number,
  ): Promise<Admission> {
    const { bots, chats, messages } = this.deps;
    const target = await messages.findById(payload.messageId);
    if (!target || target.user_id !== userId) throw notFound('Message');
    const userMessage =
      target.role === 'user'
        ? target
        : target.parent_id
          ? await messages.findById(target.parent_id)
          : undefined;
    if (userMessage?.role !== 'user')
      throw new AppError('bad_request', 'This message answers nothing to regenerate');
    const chat = await chats.getOwnedRow(userId, userMessage.chat_id);
    const bot = await bots.getOwnedRow(userId, chat.bot_id);
    const existing = await messages.findByClientId(userId, payload.clientMessageId);
    if (existing) return { repeat: await this.repeatOf(existing, null) };
    return this.plan(payload.model ?? chat.model ?? undefined, {
      turnId: newId(),
      userId,
      bot,
      chat,
      createChat: false,
      chatChanges: { updated_at: nowIso() },
      userMessage,
      newUserMessage: false,
      assistantClientMessageId: payload.clientMessageId,
      clientMessageId: payload.clientMessageId,
      text: null,
      receivedAt,
    });
  }

  /** A clientMessageId seen before: follow that turn; the same id with other text is a conflict. */
  async repeatOf(existing: MessageTable, text: string | null): Promise<TurnHandle> {
    if (text !== null && (existing.role !== 'user' || existing.content !== text)) {
      throw new AppError('conflict', 'This clientMessageId was already used for a different message');
    }
    const turn =
      existing.role === 'user'
        ? await this.deps.turns.findTurnByUserMessage(existing.id)
        : await this.deps.turns.findTurnByAssistantMessage(existing.id);
    if (!turn) throw new AppError('conflict', 'This clientMessageId was already used');
    return { turnId: turn.id, chatId: turn.chat_id, repeated: true };
  }

  /** Takes the slot first (synchronously, so parallel frames cannot all pass), then picks the model. */
  private async plan(model: string | undefined, base: PlanBase): Promise<Admission> {
    const [reservation] = this.deps.capacity.reserve(base.userId);
    if (!reservation) throw new AppError('internal', 'No capacity slot was reserved');
    try {
      const modelRequested = model ?? (await this.botDefaultModel(base.bot));
      const providerSettings = await this.deps.botProviders.settingsFor(base.bot.id);
      // An unknown provider fails here, before anything is stored.
      this.deps.models.languageModel(modelRequested, providerSettings);
      const turn = { ...base, promptChars: base.userMessage.content.length };
      const budgeted = await admitBudget(this.deps.budgets, turn, modelRequested, reservation);
      return { plan: { ...base, providerSettings, ...budgeted } };
    } catch (error) {
      reservation.cancel();
      throw error;
    }
  }

  private async botDefaultModel(bot: BotTable): Promise<string> {
    const model = bot.default_model || (await this.deps.models.defaultModel());
    if (!model)
      throw new AppError(
        'bad_request',
        'No model is configured: set a provider key (see the README) or pick a model',
      );
    return model;
  }
}
