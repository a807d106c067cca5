import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { StartedCompletion } from './completion-service.ts';
import { turnErrorReply } from './openai-errors.ts';
import {
  completionBody,
  completionChunk,
  completionIdentity,
  toOpenAIFinishReason,
  usageChunk,
} from './openai-shapes.ts';
import type { TurnEnd, TurnPart } from './turn-collector.ts';

/** A failed answer is an error reply; a cancelled or cut one is what it holds. */
const failed = (end: TurnEnd) => end.message.status === 'error' && end.error;

function sendError(reply: FastifyReply, end: TurnEnd) {
  const { status, body } = turnErrorReply(end.error ?? { code: 'internal', message: 'The answer failed' });
  return reply.code(status).send(body);
}

/** Without `stream`: the whole answer once the turn ended (and `store: false` forgot its text). */
export async function sendCompletion(reply: FastifyReply, started: StartedCompletion, receivedAt: number) {
  let reasoning = '';
  let model = '';
  for await (const part of started.collector.parts()) {
    if (part.type === 'reasoning') reasoning += part.delta;
    else if (part.type === 'started') model = part.model;
  }
  const end = await started.settled;
  if (failed(end)) return sendError(reply, end);
  return reply.send(
    completionBody(completionIdentity(started.turnId, receivedAt), end.message, model, reasoning),
  );
}

/**
 * `stream: true`: Server-Sent Events in OpenAI's chunk format, ending with `data: [DONE]`. The status
 * line waits for the first token, so that an answer failing before it gets a real error status (and
 * clients' retry logic); a failure after it is an `error` event, as OpenAI sends one. The client going
 * away stops the writing, never the turn.
 */
export async function streamCompletion(
  reply: FastifyReply,
  started: StartedCompletion,
  receivedAt: number,
  includeUsage: boolean,
) {
  const identity = completionIdentity(started.turnId, receivedAt);
  const parts = started.collector.parts();
  const next = async () => (await parts.next()).value as TurnPart | undefined;
  let model = '';
  let part = await next();
  for (; part?.type === 'started' || part?.type === 'fallback'; part = await next())
    model = part.type === 'started' ? part.model : part.to;
  if (part?.type === 'end') {
    const end = await started.settled;
    if (failed(end) && !end.message.content) return sendError(reply, end);
  }

  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  const write = (data: unknown) => {
    if (!raw.destroyed && !raw.writableEnded) raw.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const chunk = (delta: Parameters<typeof completionChunk>[2]) =>
    write(completionChunk(identity, model, delta, null, includeUsage));
  chunk({ role: 'assistant', content: '' });
  for (; part && part.type !== 'end'; part = await next()) {
    if (part.type === 'text') chunk({ content: part.delta });
    else if (part.type === 'reasoning') chunk({ reasoning_content: part.delta });
    else if (part.type === 'fallback') model = part.to;
  }

  const end = await started.settled;
  if (failed(end)) {
    write(turnErrorReply(end.error ?? { code: 'internal', message: 'The answer failed' }).body);
  } else {
    model = end.message.metadata.model || model;
    const finish = toOpenAIFinishReason(end.message.metadata.finishReason);
    write(completionChunk(identity, model, {}, finish, includeUsage));
    if (includeUsage) write(usageChunk(identity, model, end.message.metadata));
    if (!raw.destroyed && !raw.writableEnded) raw.write('data: [DONE]\n\n');
  }
  if (!raw.writableEnded) raw.end();
}
