import { describe, expect, it } from 'vitest';
import { catalogue } from '../../test/fixtures.ts';
import { buildRegenerateList } from './regenerate-list.ts';

const choices: { chatModel: string | null; fallbacks: string[]; recent: string[] } = {
  chatModel: 'openai/gpt-4o-mini',
  fallbacks: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini'],
  recent: ['openai/gpt-4o', 'groq/llama-3.3-70b'],
};
const sections = (query: string, given = choices) =>
  buildRegenerateList(catalogue, query, given).sections.map((section) => [
    section.label,
    section.entries.map((entry) => entry.id),
  ]);

describe('"Regenerate with…"', () => {
  it('offers the chat’s model, the bot’s fallbacks and the recent models first, then every other model', () => {
    expect(sections('')).toEqual([
      ["This chat's model", ['openai/gpt-4o-mini']],
      ['Fallback models', ['anthropic/claude-sonnet-4-5']],
      ['Recently used', ['openai/gpt-4o', 'groq/llama-3.3-70b']],
    ]);
    expect(sections('', { chatModel: null, fallbacks: [], recent: [] })).toEqual([
      ['anthropic', ['anthropic/claude-sonnet-4-5']],
      ['openai', ['openai/gpt-4o', 'openai/gpt-4o-mini']],
    ]);
  });

  it('filters every section by the search, and offers a typed provider/model id as typed', () => {
    expect(sections('claude')).toEqual([['Fallback models', ['anthropic/claude-sonnet-4-5']]]);
    expect(sections('mistral/large-2')).toEqual([['Not in the list', ['mistral/large-2']]]);
    const list = buildRegenerateList(catalogue, 'mini', choices);
    expect(list.flat.map((entry) => entry.id)).toEqual(['openai/gpt-4o-mini']);
  });
});
