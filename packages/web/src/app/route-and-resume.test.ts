import { describe, expect, it } from 'vitest';
import { newTurn, useTurnsStore } from '../stores/turns-store.ts';
import { resumeFramesFor } from './realtime.ts';
import { formatRoute, parseRoute } from './route-sync.ts';

describe('resumeFramesFor', () => {
  it('resumes every running turn from its last seq, and watched chats from the start', () => {
    const turns = useTurnsStore.getState();
    turns.upsertTurn({ ...newTurn({ turnId: 't1', chatId: 'c1', botId: 'b' }), lastSeq: 7 });
    turns.upsertTurn({
      ...newTurn({ turnId: 't2', chatId: 'c2', botId: 'b' }),
      lastSeq: 3,
      status: 'finished',
    });
    turns.watchChat('c1');
    turns.watchChat('c3');
    expect(resumeFramesFor()).toEqual([
      { type: 'resume', payload: { chatId: 'c1', turnId: 't1', afterSeq: 7 } },
      { type: 'resume', payload: { chatId: 'c3' } },
    ]);
  });
});

describe('routes', () => {
  it('round-trips bot and chat selection through the hash', () => {
    expect(parseRoute(formatRoute('b 1', 'c/2'))).toEqual({ botId: 'b 1', chatId: 'c/2' });
    expect(parseRoute('#/bots/b1')).toEqual({ botId: 'b1', chatId: null });
    expect(parseRoute('#/elsewhere')).toBeNull();
    expect(formatRoute(null, null)).toBe('');
  });
});
