import type {
  Bot,
  Chat,
  ClientFrame,
  Message,
  MessageMetadata,
  ModelsResponse,
  TurnEvent,
} from '@cachibot/protocol';
import { type RealtimeTransport, setTransport } from '../api/transport.ts';

const T0 = '2025-01-01T00:00:00.000Z';

export function makeBot(overrides: Partial<Bot> = {}): Bot {
  return {
    id: 'bot-1',
    name: 'Helper',
    description: '',
    icon: '🤖',
    color: '#4f46e5',
    systemPrompt: '',
    models: { default: 'openai/gpt-4o-mini' },
    fallbackModels: [],
    settings: {},
    starters: [],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function makeChat(overrides: Partial<Chat> = {}): Chat {
  return {
    id: 'chat-1',
    botId: 'bot-1',
    title: 'A chat',
    pinned: false,
    archived: false,
    model: null,
    currentMessageId: null,
    createdAt: T0,
    updatedAt: T0,
    totals: { messages: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedAnswers: 0 },
    ...overrides,
  };
}

export function makeMessage(overrides: Partial<Message> & { metadata?: MessageMetadata } = {}): Message {
  return {
    id: 'm-1',
    chatId: 'chat-1',
    role: 'user',
    content: 'hello',
    status: 'complete',
    parentId: null,
    createdAt: T0,
    updatedAt: T0,
    metadata: {},
    ...overrides,
  };
}

export const catalogue: ModelsResponse = {
  default: 'openai/gpt-4o-mini',
  groups: {
    openai: [
      {
        id: 'openai/gpt-4o-mini',
        provider: 'openai',
        name: 'GPT-4o mini',
        contextWindow: 128_000,
        pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
      {
        id: 'openai/gpt-4o',
        provider: 'openai',
        name: 'GPT-4o',
        contextWindow: 128_000,
        pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
      },
    ],
    anthropic: [
      {
        id: 'anthropic/claude-sonnet-4-5',
        provider: 'anthropic',
        name: 'Claude Sonnet 4.5',
        contextWindow: 200_000,
      },
    ],
  },
};

/** Builds turn events with the common fields; `seq` is given explicitly to make order visible in tests. */
export function turnEvent<K extends TurnEvent['type']>(
  type: K,
  fields: { turnId: string; chatId: string; botId?: string; seq: number },
  payload: Omit<Extract<TurnEvent, { type: K }>['payload'], 'turnId' | 'chatId' | 'botId' | 'seq'>,
): TurnEvent {
  return { type, payload: { botId: 'bot-1', ...fields, ...payload } } as unknown as TurnEvent;
}

/** A transport that records frames instead of sending them. */
export function recordingTransport(): RealtimeTransport & { frames: ClientFrame[]; acked: string[] } {
  const transport = {
    frames: [] as ClientFrame[],
    acked: [] as string[],
    send: (frame: ClientFrame) => void transport.frames.push(frame),
    sendTracked: (_key: string, frame: ClientFrame) => void transport.frames.push(frame),
    ack: (key: string) => void transport.acked.push(key),
  };
  setTransport(transport);
  return transport;
}
