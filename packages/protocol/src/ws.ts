import { z } from 'zod';
import { IdSchema, isErrorCode, isTurnErrorCode, ModelIdSchema } from './common.ts';
import { BudgetNoticeSchema, ChatSchema, MessageMetadataSchema, MessageSchema } from './entities.ts';
import { LIMITS } from './limits.ts';

// ---- client → server -------------------------------------------------------------------------

export const ChatFramePayloadSchema = z.strictObject({
  clientMessageId: z.string().min(1).max(LIMITS.clientMessageIdChars),
  botId: IdSchema,
  chatId: IdSchema.optional(),
  message: z.string().min(1, 'must not be empty').max(LIMITS.messageChars),
  model: ModelIdSchema.optional(),
  /** The message this one follows; `null` starts a new branch at the root (an edited first question). */
  replyToId: IdSchema.nullable().optional(),
});

/** One question, answered by 2–4 models at once: the answers are siblings, each an ordinary turn. */
export const CompareFramePayloadSchema = z.strictObject({
  clientMessageId: z.string().min(1).max(LIMITS.clientMessageIdChars),
  botId: IdSchema,
  chatId: IdSchema.optional(),
  message: z.string().min(1, 'must not be empty').max(LIMITS.messageChars),
  models: z
    .array(ModelIdSchema)
    .min(2, 'compare needs at least 2 models')
    .max(4, 'compare takes at most 4 models')
    .refine((models) => new Set(models).size === models.length, 'must not name a model twice'),
  replyToId: IdSchema.nullable().optional(),
});

export const RegenerateFramePayloadSchema = z.strictObject({
  clientMessageId: z.string().min(1).max(LIMITS.clientMessageIdChars),
  messageId: IdSchema,
  model: ModelIdSchema.optional(),
});

export const CancelFramePayloadSchema = z.strictObject({ turnId: IdSchema });
export const ResumeFramePayloadSchema = z.strictObject({
  chatId: IdSchema,
  /** The turn the client last followed; without it, every running turn of the chat (else its latest). */
  turnId: IdSchema.optional(),
  afterSeq: z.number().int().min(0).optional(),
});
export const PingFramePayloadSchema = z.strictObject({ ts: z.number().optional() });

// The descriptions are the "effect" column of docs/api.md's frame table (npm run docs:api).
export const ClientFrameSchema = z.discriminatedUnion('type', [
  z
    .strictObject({ type: z.literal('chat'), payload: ChatFramePayloadSchema })
    .describe(
      "Starts a turn. `model` is this message's override (`provider/model`); it is remembered as the chat's " +
        "`model`. Without it: chat `model`, else the bot's `models.default`, else the system default. Without " +
        '`chatId` a chat is created (titled from the message). `clientMessageId` makes the send idempotent: a ' +
        "repeat with the same id starts no second turn and re-sends that turn's events; the same id with " +
        'other text is a `conflict`. A refusal is an `error` event carrying the `clientMessageId`.',
    ),
  z
    .strictObject({ type: z.literal('regenerate'), payload: RegenerateFramePayloadSchema })
    .describe(
      'Answers the same user message again, optionally with another model; the new assistant message is a ' +
        'sibling (same `parentId`). `messageId` may name the user message or any of its answers; ' +
        "`turn_started.userMessage` is then the existing user message. The chat's remembered `model` does not change.",
    ),
  z
    .strictObject({ type: z.literal('compare'), payload: CompareFramePayloadSchema })
    .describe(
      'One question answered by 2–4 distinct models at once: one user message, then one ordinary turn per ' +
        'model (each with its own `turn_started` carrying `compareId` — the user message id —, deltas, ' +
        '`usage` and `done`), so resume and cancel work per turn. The answers are siblings. A compare is one ' +
        'message for the per-minute limit and one slot of the running limit.',
    ),
  z
    .strictObject({ type: z.literal('cancel'), payload: CancelFramePayloadSchema })
    .describe(
      'Stops the turn (idempotent); the partial answer is persisted with `status: "cancelled"` before the ' +
        "`done` event is sent. Another user's turn is `not_found`.",
    ),
  z
    .strictObject({ type: z.literal('resume'), payload: ResumeFramePayloadSchema })
    .describe(
      "Subscribes the socket to the chat's turns and replays the events of its running or just-finished turn " +
        '(with `turnId`, of that turn) with `seq > afterSeq`, then continues live. When the stored events can ' +
        'no longer fill the gap, the answer is one `resync` instead.',
    ),
  z
    .strictObject({ type: z.literal('ping'), payload: PingFramePayloadSchema.optional().default({}) })
    .describe('Answered by `pong` with the same `ts`. The payload may be left out.'),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES = ['chat', 'compare', 'regenerate', 'cancel', 'resume', 'ping'] as const;
export type ChatFramePayload = z.infer<typeof ChatFramePayloadSchema>;
export type RegenerateFramePayload = z.infer<typeof RegenerateFramePayloadSchema>;
export type CompareFramePayload = z.infer<typeof CompareFramePayloadSchema>;

// ---- server → client -------------------------------------------------------------------------
//
// These schemas describe exactly what this server sends (strict objects: a field the server adds
// without adding it here fails the event-schema test), and the types are inferred from them. Their
// descriptions are docs/api.md's event table (npm run docs:api).

/** Fields every turn event carries. `seq` counts from 1 within a turn, without gaps. */
export const TurnFieldsSchema = z.strictObject({
  turnId: IdSchema,
  chatId: IdSchema,
  botId: IdSchema,
  seq: z.number().int().min(1),
});
export type TurnFields = z.infer<typeof TurnFieldsSchema>;

/** A turn's or attempt's error code: see `TurnErrorCodeSchema` (and request codes passed through). */
const TurnErrorCodeStringSchema = z.string().refine(isTurnErrorCode, 'is not a documented turn error code');
/** A request error code: see `ErrorCodeSchema`. Typed `string` so that servers may build it from text. */
const RequestErrorCodeStringSchema = z
  .string()
  .refine((code): boolean => isErrorCode(code), 'is not a documented error code');

export const TurnStartedPayloadSchema = z
  .strictObject({
    userMessage: MessageSchema,
    assistantMessageId: IdSchema,
    model: z.string(),
    chat: ChatSchema,
    clientMessageId: z.string(),
    /** Set on each turn of a compare: the id of the user message they all answer. */
    compareId: IdSchema.optional(),
  })
  .describe(
    'The turn is stored and running: the user message as stored, the id its answer will have, the model ' +
      'requested (before any fallback), the chat (with its `totals`; created by this message when the ' +
      "`chat` frame had no `chatId`) and the frame's `clientMessageId`. Always the first event (`seq` 1).",
  );
/** A replay joins consecutive deltas into one event that stands for seqs `fromSeq` … `seq`. */
const ReplayedFromSchema = z
  .number()
  .int()
  .optional()
  .describe('On a replayed event that joins several deltas: the first seq it stands for.');
export const TextDeltaPayloadSchema = z
  .strictObject({ messageId: IdSchema, delta: z.string(), fromSeq: ReplayedFromSchema })
  .describe('The next piece of the answer text; the deltas of a turn joined are its answer.');
export const ReasoningDeltaPayloadSchema = z
  .strictObject({ messageId: IdSchema, delta: z.string(), fromSeq: ReplayedFromSchema })
  .describe("The next piece of the model's reasoning (models that stream it); not part of the answer.");
export const ModelFallbackPayloadSchema = z
  .strictObject({ from: z.string(), to: z.string(), reason: TurnErrorCodeStringSchema })
  .describe(
    'The attempt with `from` failed before its first token with a retryable error (`reason` is its ' +
      "attempt error code); the bot's next fallback model `to` takes over.",
  );
export const UsagePayloadSchema = z
  .strictObject({
    messageId: IdSchema,
    metadata: MessageMetadataSchema,
    budget: BudgetNoticeSchema.optional().describe(
      'From 80 % of a monthly budget (bot or user): `{ spentUsd, limitUsd, scope }` with this answer counted.',
    ),
  })
  .describe("The answer's full record (tokens, cost, timings, attempts), sent just before `done`.");
export const DonePayloadSchema = z
  .strictObject({ message: MessageSchema })
  .describe(
    'The assistant message exactly as persisted (`status` `complete`, `cancelled` or `error`). Exactly one ' +
      'per turn, always the last.',
  );
export const TurnErrorPayloadSchema = z
  .strictObject({ code: TurnErrorCodeStringSchema, message: z.string() })
  .describe(
    'The turn failed (see the turn error codes); sent just before its `done`, and the same error is ' +
      'stored in `metadata.error`.',
  );

/** The payload of each turn event, without the common turn fields. */
export const TurnEventPayloadSchemas = {
  turn_started: TurnStartedPayloadSchema,
  text_delta: TextDeltaPayloadSchema,
  reasoning_delta: ReasoningDeltaPayloadSchema,
  model_fallback: ModelFallbackPayloadSchema,
  usage: UsagePayloadSchema,
  done: DonePayloadSchema,
  error: TurnErrorPayloadSchema,
} as const;

export type TurnEventPayloads = {
  [K in keyof typeof TurnEventPayloadSchemas]: z.infer<(typeof TurnEventPayloadSchemas)[K]>;
};
export type TurnEventType = keyof TurnEventPayloads;
export const TURN_EVENT_TYPES = Object.keys(TurnEventPayloadSchemas) as TurnEventType[];

function turnEventSchema<const T extends TurnEventType, S extends z.ZodRawShape>(
  type: T,
  payload: z.ZodObject<S, z.core.$strict>,
) {
  return z.strictObject({ type: z.literal(type), payload: payload.extend(TurnFieldsSchema.shape) });
}

/** A turn event as it crosses the wire (and, later, a process boundary): plain JSON. */
export const TurnEventSchema = z.discriminatedUnion('type', [
  turnEventSchema('turn_started', TurnStartedPayloadSchema),
  turnEventSchema('text_delta', TextDeltaPayloadSchema),
  turnEventSchema('reasoning_delta', ReasoningDeltaPayloadSchema),
  turnEventSchema('model_fallback', ModelFallbackPayloadSchema),
  turnEventSchema('usage', UsagePayloadSchema),
  turnEventSchema('done', DonePayloadSchema),
  turnEventSchema('error', TurnErrorPayloadSchema),
]);
export type TurnEvent = z.infer<typeof TurnEventSchema>;

export const RequestErrorPayloadSchema = z
  .strictObject({
    code: RequestErrorCodeStringSchema,
    message: z.string(),
    details: z.unknown().optional(),
    clientMessageId: z.string().optional(),
  })
  .describe(
    'An error that belongs to no turn: a bad frame, a refused `chat`/`regenerate`/`cancel`/`resume` (then ' +
      "with that frame's `clientMessageId`, when it has one). `details` as in REST errors. The socket stays open.",
  );
export const ResyncPayloadSchema = z
  .strictObject({
    chatId: IdSchema,
    turnId: IdSchema.optional(),
    botId: IdSchema.optional(),
    seq: z.number().int().min(1).optional(),
    message: MessageSchema,
  })
  .describe(
    'Answers a `resume` whose gap the stored events can no longer fill: the assistant message as stored ' +
      "(with its turn's `turnId` and `botId`); the client replaces its copy with this snapshot.",
  );
export const PongPayloadSchema = z
  .strictObject({ ts: z.number().optional() })
  .describe('Answers `ping`, with its `ts`.');

export const RequestErrorEventSchema = z.strictObject({
  type: z.literal('error'),
  payload: RequestErrorPayloadSchema,
});
export const ResyncEventSchema = z.strictObject({ type: z.literal('resync'), payload: ResyncPayloadSchema });
export const PongEventSchema = z.strictObject({ type: z.literal('pong'), payload: PongPayloadSchema });

/** Everything the server sends. Two kinds share the type `error`: a turn's (with turn fields) and a lone one. */
export const ServerEventSchema = z.union([
  TurnEventSchema,
  RequestErrorEventSchema,
  ResyncEventSchema,
  PongEventSchema,
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;
export type ServerEventType = ServerEvent['type'];
