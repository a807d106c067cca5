import { CLIENT_FRAME_TYPES, type ClientFrame, ClientFrameSchema, LIMITS } from '@cachibot/protocol';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';

/**
 * Turns one raw WebSocket message into a validated frame, or throws an AppError naming the problem.
 * Pure and synchronous: the fuzz tests drive it directly.
 */
export function parseClientFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ClientFrame {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buffer.length > LIMITS.frameBytes) {
    throw new AppError(
      'payload_too_large',
      `Frame is ${buffer.length} bytes; the limit is ${LIMITS.frameBytes}`,
    );
  }
  if (isBinary) throw new AppError('bad_request', 'Binary frames are not supported; send JSON text');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buffer);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'Frame is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AppError('bad_request', 'Frame must be a JSON object { type, payload }');
  }
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string') throw new AppError('bad_request', 'Frame is missing its "type"');
  if (!(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    throw new AppError('bad_request', `Unknown frame type "${type.slice(0, 50)}"`);
  }
  try {
    return parseInput(ClientFrameSchema, json, `"${type}" frame`);
  } catch (error) {
    // The refusal names the send it refuses, so the client can show it at the right message.
    const id = (json as { payload?: { clientMessageId?: unknown } }).payload?.clientMessageId;
    if (typeof id === 'string' && id.length <= LIMITS.clientMessageIdChars && AppError.isInstance(error))
      Object.assign(error, { clientMessageId: id });
    throw error;
  }
}
