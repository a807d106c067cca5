import type { Message, TurnEvent } from '@cachibot/protocol';
import { describe, expect, it } from 'vitest';
import type { MessageTable } from '../../src/db/schema.ts';
import { AppError } from '../../src/errors.ts';
import { splitConversation } from '../../src/openai-api/conversation.ts';
import { toOpenAIError, turnErrorReply } from '../../src/openai-api/openai-errors.ts';
import { TurnCollector, type TurnPart } from '../../src/openai-api/turn-collector.ts';
import { buildHistory } from '../../src/turns/history.ts';
import { toPrompt } from '../../src/turns/model-call.ts';

const fields = (seq: number) => ({ turnId: 't1', chatId: 'c1', botId: 'b1', seq });
const text = (seq: number, delta: string, fromSeq?: number): TurnEvent => ({
  type: 'text_delta',
  payload: { ...fields(seq), messageId: 'm1', delta, ...(fromSeq ? { fromSeq } : {}) },
});
const message = (content: string, status: Message['status'] = 'complete'): Message => ({
  id: 'm1',
  chatId: 'c1',
  role: 'assistant',
  content,
  status,
  parentId: 'q1',
  createdAt: '',
  updatedAt: '',
  metadata: { model: 'openai/gpt-4o-mini', modelRequested: 'openai/gpt-4o-mini' },
});
const done = (seq: number, content: string): TurnEvent => ({
  type: 'done',
  payload: { ...fields(seq), message: message(content) },
});

async function partsOf(collector: TurnCollector): Promise<TurnPart[]> {
  const parts: TurnPart[] = [];
  for await (const part of collector.parts()) parts.push(part);
  return parts;
}
const joinedText = (parts: TurnPart[]) =>
  parts.map((part) => (part.type === 'text' ? part.delta : '')).join('');

describe('splitConversation', () => {
  it('takes the last user message as the question, instructions apart, earlier turns in order', () => {
    expect(
      splitConversation([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: null },
        { role: 'tool', content: 'a tool result' },
        { role: 'assistant', content: [{ type: 'text', text: 'A1' }] },
        { role: 'developer', content: 'Use French.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Q2' },
            { type: 'text', text: 'more' },
          ],
        },
        { role: 'system', content: 'Late rule.' },
      ]),
    ).toEqual({
      system: 'Be brief.\n\nUse French.\n\nLate rule.',
      prior: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
      ],
      question: 'Q2\nmore',
    });
  });

  it('refuses a conversation without a user message, ending with an answer, or with an empty question', () => {
    expect(() => splitConversation([{ role: 'system', content: 'x' }])).toThrow(
      /must include a user message/,
    );
    expect(() =>
      splitConversation([
        { role: 'user', content: 'Q' },
        { role: 'assistant', content: 'A' },
      ]),
    ).toThrow(/must end with a user message, not assistant/);
    expect(() => splitConversation([{ role: 'user', content: '  ' }])).toThrow(/must not be empty/);
  });
});

describe('TurnCollector', () => {
  it('takes each event once, by seq, and ends at done', async () => {
    const collector = new TurnCollector('t1');
    collector.replayed();
    for (const event of [text(1, 'a'), text(2, 'b'), text(2, 'b'), text(1, 'a'), done(3, 'ab')])
      collector.deliver(event);
    collector.deliver(text(4, 'late'));
    const parts = await partsOf(collector);
    expect(joinedText(parts)).toBe('ab');
    expect(parts.at(-1)).toMatchObject({ type: 'end', message: { content: 'ab' } });
  });

  it('ignores the events of other turns of the chat', async () => {
    const collector = new TurnCollector('t1');
    collector.replayed();
    collector.deliver({
      ...text(1, 'other'),
      payload: { ...text(1, 'other').payload, turnId: 't2' },
    } as TurnEvent);
    collector.deliver(text(1, 'mine'));
    collector.deliver(done(2, 'mine'));
    expect(joinedText(await partsOf(collector))).toBe('mine');
  });

  it('holds live events that overtook the replay and takes them in order with it', async () => {
    const collector = new TurnCollector('t1');
    // Through the bus, seqs 3 and 4 arrive before the stored replay of 1–3 (joined) does.
    collector.deliver(text(3, 'c'));
    collector.deliver(text(4, 'd'));
    collector.deliver(text(3, 'abc', 1));
    collector.replayed();
    collector.deliver(done(5, 'abcd'));
    expect(joinedText(await partsOf(collector))).toBe('abcd');
  });

  it('takes only the new part of a joined delta that overlaps deltas already taken', async () => {
    const collector = new TurnCollector('t1');
    collector.replayed();
    collector.deliver(text(1, 'ab'));
    collector.deliver(text(2, 'cd'));
    collector.deliver(text(3, 'abcdef', 1));
    collector.deliver(done(4, 'abcdef'));
    expect(joinedText(await partsOf(collector))).toBe('abcdef');
  });

  it('finishes from a resync snapshot of a finished answer, with the text it lacked', async () => {
    const collector = new TurnCollector('t1');
    collector.replayed();
    collector.deliver(text(1, 'ab'));
    collector.send({ type: 'resync', payload: { chatId: 'c1', turnId: 't1', message: message('abcd') } });
    const parts = await partsOf(collector);
    expect(joinedText(parts)).toBe('abcd');
    expect((await collector.ended).message.content).toBe('abcd');
  });

  it('stops listening to the chat when the turn ends', async () => {
    const collector = new TurnCollector('t1');
    let unsubscribed = 0;
    collector.follow('c1', () => unsubscribed++);
    expect(collector.isFollowing('c1')).toBe(true);
    collector.replayed();
    collector.deliver({ type: 'error', payload: { ...fields(1), code: 'provider_error', message: 'down' } });
    collector.deliver(done(2, ''));
    const end = await collector.ended;
    expect(end.error).toEqual({ code: 'provider_error', message: 'down' });
    expect(unsubscribed).toBe(1);
    expect(collector.isFollowing('c1')).toBe(false);
  });
});

describe('OpenAI errors', () => {
  it('answers in OpenAI’s shape with OpenAI’s codes where it has them', () => {
    expect(toOpenAIError(new AppError('rate_limited', 'Slow down', undefined, 7))).toEqual({
      status: 429,
      known: true,
      retryAfterSeconds: 7,
      body: { error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    });
    expect(
      toOpenAIError(new AppError('bad_request', 'Invalid', [{ path: 'messages.0.role', message: 'x' }])).body,
    ).toEqual({
      error: {
        message: 'Invalid',
        type: 'invalid_request_error',
        param: 'messages.0.role',
        code: 'bad_request',
      },
    });
    expect(toOpenAIError(new AppError('budget_exceeded', 'Over budget')).body.error.type).toBe(
      'insufficient_quota',
    );
  });

  it('never shows an unknown error’s message', () => {
    const reply = toOpenAIError(new Error('connection string postgres://secret'));
    expect(reply).toMatchObject({ status: 500, known: false });
    expect(JSON.stringify(reply.body)).not.toContain('secret');
  });

  it('gives a failed turn the status a client’s retry logic expects', () => {
    expect(turnErrorReply({ code: 'rate_limited', message: 'x' }).status).toBe(429);
    expect(turnErrorReply({ code: 'unknown_model', message: 'x' }).body.error.code).toBe('model_not_found');
    expect(turnErrorReply({ code: 'timeout', message: 'x' }).status).toBe(504);
    expect(turnErrorReply({ code: 'provider_unreachable', message: 'x' }).status).toBe(502);
  });
});

describe('stored system messages in the history', () => {
  const row = (id: string, role: MessageTable['role'], content: string, parent: string | null) => ({
    id,
    role,
    content,
    parent_id: parent,
  });

  it('lead the conversation, after the bot’s prompt, also when the window drops older turns', () => {
    // Leaf first, as branchRows reads it: an API call's instructions sit at the root.
    const rows = [
      row('5', 'user', 'Q2', '4'),
      row('4', 'assistant', 'A1', '3'),
      row('3', 'user', 'Q1', '2'),
      row('2', 'assistant', 'an old answer', '1'),
      row('1', 'system', 'Answer in French.', null),
    ];
    const history = buildHistory(rows, '5', { contextWindow: 10_000, systemPrompt: 'Bot prompt' });
    expect(history).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
    expect(toPrompt('Bot prompt', history).map((part) => part.role)).toEqual([
      'system',
      'system',
      'user',
      'assistant',
      'user',
    ]);
  });
});
