import { describe, expect, it } from 'vitest';
import { MAX_FINISHED_TURNS, newTurn, runningTurnOf, useTurnsStore } from './turns-store.ts';

const start = (turnId: string, chatId = `chat-${turnId}`) =>
  useTurnsStore.getState().upsertTurn(newTurn({ turnId, chatId, botId: 'bot-1' }));
const finish = (turnId: string) => useTurnsStore.getState().patchTurn(turnId, { status: 'finished' });
const ids = () => Object.keys(useTurnsStore.getState().turns);

describe('turns store', () => {
  it(`keeps at most ${MAX_FINISHED_TURNS} finished turns, dropping those that finished longest ago`, () => {
    for (let i = 0; i < 500; i++) {
      start(`t${i}`);
      finish(`t${i}`);
    }
    expect(ids()).toHaveLength(MAX_FINISHED_TURNS);
    expect(ids()[0]).toBe('t300');
    expect(ids().at(-1)).toBe('t499');
  });

  it('never drops a running turn, and counts a long one from when it finished, not when it started', () => {
    start('long', 'chat-long');
    start('still-running', 'chat-live');
    for (let i = 0; i < MAX_FINISHED_TURNS; i++) {
      start(`t${i}`);
      finish(`t${i}`);
    }
    finish('long');
    for (let i = MAX_FINISHED_TURNS; i < MAX_FINISHED_TURNS + 50; i++) {
      start(`t${i}`);
      finish(`t${i}`);
    }
    const turns = useTurnsStore.getState().turns;
    expect(Object.values(turns).filter((turn) => turn.status === 'finished')).toHaveLength(
      MAX_FINISHED_TURNS,
    );
    expect(turns.long?.status).toBe('finished');
    expect(turns.t50).toBeUndefined();
    expect(turns.t51?.status).toBe('finished');
    expect(runningTurnOf(turns, 'chat-live')?.turnId).toBe('still-running');
  });

  it('caps turns that arrive finished too (a resync of an ended turn)', () => {
    for (let i = 0; i < MAX_FINISHED_TURNS + 10; i++) {
      useTurnsStore.getState().upsertTurn({
        ...newTurn({ turnId: `r${i}`, chatId: 'chat-a', botId: 'bot-1' }),
        status: 'finished',
      });
    }
    expect(ids()).toHaveLength(MAX_FINISHED_TURNS);
    expect(ids()[0]).toBe('r10');
  });
});
