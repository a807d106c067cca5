import { describe, expect, it } from 'vitest';
import { catalogue } from '../../test/fixtures.ts';
import { buildPickerList, findModel, looksLikeModelId } from './model-list.ts';

describe('buildPickerList', () => {
  it('puts the bot default first, then providers in order with their counts', () => {
    const list = buildPickerList(catalogue, '', 'openai/gpt-4o-mini');
    expect(list.flat[0]).toMatchObject({
      kind: 'default',
      id: '',
      label: 'Bot default (openai/gpt-4o-mini)',
    });
    expect(list.groups.map((group) => [group.provider, group.count])).toEqual([
      ['anthropic', 1],
      ['openai', 2],
    ]);
    expect(list.flat.map((entry) => entry.id)).toEqual([
      '',
      'anthropic/claude-sonnet-4-5',
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
    ]);
    expect(list.totalModels).toBe(3);
    expect(list.manualEntry).toBeNull();
  });

  it('filters on id, name and provider with every search word, case-insensitively', () => {
    expect(buildPickerList(catalogue, 'MINI', 'x').flat.map((entry) => entry.id)).toEqual([
      'openai/gpt-4o-mini',
    ]);
    expect(buildPickerList(catalogue, 'sonnet anthropic', 'x').flat.map((entry) => entry.id)).toEqual([
      'anthropic/claude-sonnet-4-5',
    ]);
    const list = buildPickerList(catalogue, 'gpt', 'x');
    expect(list.groups).toEqual([expect.objectContaining({ provider: 'openai', count: 2 })]);
    expect(list.defaultEntry).toBeNull();
  });

  it('offers a typed provider/model id that is not in the list, last', () => {
    const list = buildPickerList(catalogue, 'openai/gpt-5-preview', 'x');
    expect(list.manualEntry).toEqual({
      kind: 'manual',
      id: 'openai/gpt-5-preview',
      label: 'Use openai/gpt-5-preview',
    });
    expect(list.flat.at(-1)).toBe(list.manualEntry);
    expect(buildPickerList(catalogue, 'openai/gpt-4o', 'x').manualEntry).toBeNull();
    expect(buildPickerList(catalogue, 'just words', 'x').manualEntry).toBeNull();
  });

  it('still offers the default and manual entries when no provider is configured', () => {
    const list = buildPickerList({ default: null, groups: {} }, 'ollama/llama3.2', 'no default model');
    expect(list.totalModels).toBe(0);
    expect(list.flat.map((entry) => entry.kind)).toEqual(['manual']);
    expect(buildPickerList(null, '', 'none').flat.map((entry) => entry.kind)).toEqual(['default']);
  });

  it('recognises model ids and finds catalogue entries', () => {
    expect(looksLikeModelId('ollama/llama3.2:latest')).toBe(true);
    expect(looksLikeModelId('/model')).toBe(false);
    expect(looksLikeModelId('gpt-4o')).toBe(false);
    expect(findModel(catalogue, 'openai/gpt-4o')?.name).toBe('GPT-4o');
    expect(findModel(catalogue, null)).toBeUndefined();
  });
});
