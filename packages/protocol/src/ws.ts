import { z } from 'zod';
import { IdSchema, ModelIdSchema } from './common.ts';
import type { Chat, Message, MessageMetadata } from './entities.ts';
import { LIMITS } from './limits.ts';

// ---- client → server -------------------------------------------------------------------------

export const ChatFramePayloadSchema = z.strictObject({
  clientMessageId: z.string().min(1).max(LIMITS.clientMessageIdChars),
  botId: IdSchema,
  chatId: IdSchema.optional(),
  message: z.string().min(1, 'must not be empty').max(LIMITS.messageChars),
  model: ModelIdSchema.optional(),
  replyToId: IdSchema.optional(),
});

export const RegenerateFramePayloadSchema = z.strictObject({
  clientMessageId: z.string().min(1).max(LIMITS.clientMessageIdChars),
  messageId: IdSchema,
  model: ModelIdSchema.optional(),
});

export const CancelFramePayloadSchema = z.strictObject({ turnId: IdSchema });
export const ResumeFramePayloadSchema = z.strictObject({
  chatId: IdSchema,
  /** The turn the client last followed; without it, the chat's latest turn. */
  turnId: IdSchema.optional(),
  afterSeq: z.number().int().min(0).optional(),
});
export const PingFramePayloadSchema = z.strictObject({ ts: z.number().optional() });

export const ClientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('chat'), payload: ChatFramePayloadSchema }),
  z.strictObject({ type: z.literal('regenerate'), payload: RegenerateFramePayloadSchema }),
  z.strictObject({ type: z.literal('cancel'), payload: CancelFramePayloadSchema }),
  z.strictObject({ type: z.literal('resume'), payload: ResumeFramePayloadSchema }),
  z.strictObject({ type: z.literal('ping'), payload: PingFramePayloadSchema.optional().default({}) }),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES = ['chat', 'regenerate', 'cancel', 'resume', 'ping'] as const;
export type ChatFramePayload = z.infer<typeof ChatFramePayloadSchema>;
export type RegenerateFramePayload = z.infer<typeof RegenerateFramePayloadSchema>;

// ---- server → client -------------------------------------------------------------------------

/** Fields every turn event carries. `seq` counts from 1 within a turn, without gaps. */
export interface TurnFields {
  turnId: string;
  chatId: string;
  botId: string;
  seq: number;
}

export interface TurnEventPayloads {
  turn_started: {
    userMessage: Message;
    assistantMessageId: string;
    model: string;
    chat: Chat;
    clientMessageId: string;
  };
  text_delta: { messageId: string; delta: string };
  reasoning_delta: { messageId: string; delta: string };
  model_fallback: { from: string; to: string; reason: string };
  usage: { messageId: string; metadata: MessageMetadata };
  done: { message: Message };
  error: { code: string; message: string };
}
export type TurnEventType = keyof TurnEventPayloads;

/** A turn event as it crosses the wire (and, later, a process boundary): plain JSON. */
export type TurnEvent = {
  [K in TurnEventType]: { type: K; payload: TurnEventPayloads[K] & TurnFields };
}[TurnEventType];

export type ServerEvent =
  | TurnEvent
  | { type: 'error'; payload: { code: string; message: string; details?: unknown; clientMessageId?: string } }
  | { type: 'resync'; payload: Partial<TurnFields> & { chatId: string; message: Message } }
  | { type: 'pong'; payload: { ts?: number } };

export type ServerEventType = ServerEvent['type'];
