import { describe, expect, it } from 'vitest';
import { makeBot } from '../../test/fixtures.ts';
import { botBodyOf, formValuesOf } from './bot-form.ts';

describe('bot form', () => {
  it('round-trips a bot into a request body', () => {
    const bot = makeBot({
      fallbackModels: ['anthropic/claude-sonnet-4-5', 'ollama/llama3.2'],
      settings: { temperature: 0.7 },
      models: { default: 'openai/gpt-4o', utility: 'openai/gpt-4o-mini' },
      starters: ['What can you do?', 'Summarise my notes.'],
    });
    const result = botBodyOf(formValuesOf(bot), bot);
    expect(result).toEqual({
      ok: true,
      body: {
        name: 'Helper',
        icon: '🤖',
        color: '#4f46e5',
        description: '',
        systemPrompt: '',
        models: { default: 'openai/gpt-4o', utility: 'openai/gpt-4o-mini' },
        fallbackModels: ['anthropic/claude-sonnet-4-5', 'ollama/llama3.2'],
        settings: { temperature: 0.7 },
        starters: ['What can you do?', 'Summarise my notes.'],
      },
    });
  });

  it('reports the fields that break the rules', () => {
    const values = {
      ...formValuesOf(),
      name: '  ',
      defaultModel: 'not a model',
      temperature: '5',
      fallbackModels: 'x',
    };
    const result = botBodyOf(values);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'defaultModel',
      'fallbackModels',
      'name',
      'temperature',
    ]);
  });

  it('reads one starter per line, drops blank lines, and reports too many as the starters field', () => {
    const values = { ...formValuesOf(), name: 'Bot', starters: '  First one \n\n Second one\n' };
    expect(botBodyOf(values)).toMatchObject({ ok: true, body: { starters: ['First one', 'Second one'] } });
    const many = { ...values, starters: Array.from({ length: 7 }, (_, i) => `Starter ${i}`).join('\n') };
    const result = botBodyOf(many);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors)).toEqual(['starters']);
  });

  it('allows an empty default model (the system default)', () => {
    expect(botBodyOf({ ...formValuesOf(), name: 'New' }).ok).toBe(true);
  });
});
