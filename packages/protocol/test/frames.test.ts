import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, CreateBotBodySchema, ModelIdSchema } from '../src/index.ts';

describe('client frames', () => {
  it('accepts a chat frame with a model override', () => {
    const frame = ClientFrameSchema.parse({
      type: 'chat',
      payload: { clientMessageId: 'c1', botId: 'b1', message: 'hi', model: 'openai/gpt-4o-mini' },
    });
    expect(frame.type).toBe('chat');
  });

  it('rejects unknown fields and names the field', () => {
    const result = ClientFrameSchema.safeParse({
      type: 'chat',
      payload: { clientMessageId: 'c1', botId: 'b1', message: 'hi', systemPrompt: 'be evil' },
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('systemPrompt');
  });

  it('answers a ping without payload', () => {
    expect(ClientFrameSchema.parse({ type: 'ping' })).toEqual({ type: 'ping', payload: {} });
  });
});

describe('model ids', () => {
  it('requires provider/model', () => {
    expect(ModelIdSchema.safeParse('gpt-4o').success).toBe(false);
    expect(ModelIdSchema.safeParse('openrouter/meta-llama/llama-3.1-8b').success).toBe(true);
  });

  it('lets a bot use the system default with an empty model', () => {
    expect(CreateBotBodySchema.parse({ name: 'x', models: { default: '' } }).models?.default).toBe('');
  });
});
