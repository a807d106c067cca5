import { describe, expect, it } from 'vitest';
import { bucketOf, bucketValue, usageFigures } from '../../src/db/answer-usage.ts';
import { applyBudgetNote, budgetNotice } from '../../src/turns/turn-budget.ts';
import { BudgetLedger } from '../../src/usage/budget-ledger.ts';
import { percentile } from '../../src/usage/usage-aggregate.ts';
import { csvField, usageCsv } from '../../src/usage/usage-csv.ts';
import { monthEnd, resolveRange } from '../../src/usage/usage-range.ts';

describe('the budget ledger', () => {
  it('counts the estimates of turns in flight', () => {
    const ledger = new BudgetLedger();
    const read = ledger.beginRead('bot:a');
    expect(ledger.outstanding(read)).toBe(0);
    const one = ledger.hold('bot:a', 30);
    ledger.hold('bot:a', 12);
    ledger.hold('bot:b', 1000);
    expect(ledger.outstanding(read)).toBe(42);
    one.settle();
    one.settle();
    expect(ledger.outstanding(ledger.beginRead('bot:a'))).toBe(12);
  });

  it('keeps counting a turn that settled while a read of the stored spend was in flight', () => {
    const ledger = new BudgetLedger();
    const hold = ledger.hold('user:u', 50);
    const inFlight = ledger.beginRead('user:u'); // its snapshot may predate the turn's commit
    hold.settle(); // the turn committed its real cost and ended
    expect(ledger.outstanding(inFlight)).toBe(50);
    // A read begun after the settle sees the cost in the database: the estimate no longer counts.
    const later = ledger.beginRead('user:u');
    expect(ledger.outstanding(later)).toBe(0);
    ledger.endRead(inFlight);
    ledger.endRead(later);
    expect(ledger.size).toBe(0);
  });

  it('forgets subjects with nothing held and nobody reading', () => {
    const ledger = new BudgetLedger();
    for (let i = 0; i < 100; i++) {
      const read = ledger.beginRead(`bot:${i}`);
      const hold = ledger.hold(`bot:${i}`, i);
      ledger.endRead(read);
      hold.settle();
    }
    expect(ledger.size).toBe(0);
  });
});

describe('budget notices', () => {
  const watch = (scope: 'bot' | 'user', limitMicros: number, spentMicros: number) => ({
    scope,
    limitMicros,
    spentMicros,
  });

  it('appear from 80 % with this answer counted, for the budget most used', () => {
    expect(budgetNotice([watch('bot', 100, 70)], 0.000009)).toBeUndefined();
    expect(budgetNotice([watch('bot', 100, 70)], 0.00001)).toEqual({
      spentUsd: 0.00008,
      limitUsd: 0.0001,
      scope: 'bot',
    });
    expect(budgetNotice([watch('bot', 100, 85), watch('user', 100, 95)], undefined)).toMatchObject({
      scope: 'user',
    });
    expect(budgetNotice([], 1)).toBeUndefined();
  });

  it('record a downgrade as a first attempt that never called its model', () => {
    const at = Date.UTC(2025, 0, 2);
    const metadata = applyBudgetNote(
      {
        model: 'openai/cheap',
        modelRequested: 'openai/cheap',
        attempts: [{ model: 'openai/cheap', startedAt: 'x', durationMs: 5 }],
      },
      { watches: [], downgrade: { from: 'openai/dear', message: 'used up', at } },
    );
    expect(metadata.modelRequested).toBe('openai/dear');
    expect(metadata.attempts).toEqual([
      {
        model: 'openai/dear',
        startedAt: new Date(at).toISOString(),
        durationMs: 0,
        error: { code: 'budget_exceeded', message: 'used up' },
      },
      { model: 'openai/cheap', startedAt: 'x', durationMs: 5 },
    ]);
    expect(applyBudgetNote({ model: 'm' }, undefined)).toEqual({ model: 'm' });
  });
});

describe('usage figures', () => {
  it('keep the integer micro-dollars of the record, and no cost for an unknown price', () => {
    const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15, cachedInputTokens: 4 };
    expect(usageFigures({ model: 'a/b', usage, costUsd: 0.000123 }, 'complete')).toMatchObject({
      cost_micros: 123,
      unpriced: 0,
      cached_input_tokens: 4,
      reasoning_tokens: 0,
    });
    expect(usageFigures({ model: 'a/b', usage }, 'complete')).toMatchObject({
      cost_micros: null,
      unpriced: 1,
    });
    expect(usageFigures({ model: 'a/b' }, 'error')).toMatchObject({
      cost_micros: null,
      unpriced: 0,
      input_tokens: 0,
    });
  });

  it('put every value in a bucket whose middle is within 5 % of it', () => {
    for (const value of [0.3, 1, 2, 7, 99, 1234, 65_000, 3_600_000]) {
      const middle = bucketValue(bucketOf(value) as number);
      expect(Math.abs(middle - value) / value).toBeLessThan(0.05);
    }
    expect(bucketValue(bucketOf(0) as number)).toBe(0);
    expect(bucketOf(undefined)).toBeNull();
    expect(bucketOf(-1)).toBeNull();
  });

  it('take nearest-rank percentiles from a histogram', () => {
    const histogram = new Map<number, number>();
    for (const value of [10, 20, 30, 40, 1000]) {
      const bucket = bucketOf(value) as number;
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    }
    expect(Math.round(percentile(histogram, 0.5) as number)).toBeCloseTo(30, -1);
    expect(percentile(histogram, 0.95)).toBeGreaterThan(950);
    expect(percentile(new Map(), 0.5)).toBeNull();
  });
});

describe('usage ranges and CSV', () => {
  it('default to the month of the day given, or the current one', () => {
    expect(resolveRange({}, '2024-02-10')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(resolveRange({ from: '2025-03-05' }, '2025-06-01')).toEqual({
      from: '2025-03-05',
      to: '2025-03-31',
    });
    expect(resolveRange({ to: '2025-03-05' }, '2025-06-01')).toEqual({
      from: '2025-03-01',
      to: '2025-03-05',
    });
    expect(monthEnd('2025-12-15')).toBe('2025-12-31');
  });

  it('quote fields and defuse spreadsheet formulas in names', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField(null)).toBe('');
    const row = {
      key: 'k',
      label: '@bot',
      answers: 1,
      inputTokens: 2,
      outputTokens: 3,
      cachedInputTokens: 0,
      reasoningTokens: 0,
      costUsd: 0.5,
      unpricedAnswers: 0,
      ttftMsP50: null,
      ttftMsP95: null,
      tokensPerSecondP50: 12.5,
    };
    const csv = usageCsv({ from: 'a', to: 'b', groupBy: 'bot', scope: 'me', rows: [row], totals: row });
    expect(csv.split('\r\n')[1]).toBe("k,'@bot,1,2,3,0,0,0.5,0,,,12.5");
  });
});
