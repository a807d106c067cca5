import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { makeMessage } from '../../test/fixtures.ts';
import { MessageInfoPanel } from './MessageInfoPanel.tsx';

function valueFor(label: string): string | null | undefined {
  const term = screen.getAllByRole('term').find((node) => node.textContent === label);
  return term?.nextElementSibling?.textContent;
}

describe('MessageInfoPanel', () => {
  it('shows the full record of an answer from its metadata', () => {
    const message = makeMessage({
      role: 'assistant',
      metadata: {
        model: 'anthropic/claude-sonnet-4-5',
        modelRequested: 'openai/gpt-4o',
        providerModelId: 'claude-sonnet-4-5-20250929',
        usage: {
          inputTokens: 12_345,
          outputTokens: 678,
          totalTokens: 13_023,
          cachedInputTokens: 1_000,
          reasoningTokens: 50,
        },
        costUsd: 0.0012,
        ttftMs: 850,
        durationMs: 1240,
        tokensPerSecond: 42.345,
        finishReason: 'stop',
        attempts: [
          {
            model: 'openai/gpt-4o',
            error: { code: 'rate_limited', message: '429 Too Many Requests' },
            startedAt: 't0',
            durationMs: 120,
          },
          { model: 'anthropic/claude-sonnet-4-5', startedAt: 't1', durationMs: 1100 },
        ],
      },
    });
    render(<MessageInfoPanel message={message} id="info" />);
    expect(valueFor('Model')).toBe('anthropic/claude-sonnet-4-5');
    expect(valueFor('Model requested')).toBe('openai/gpt-4o');
    expect(valueFor('Provider model id')).toBe('claude-sonnet-4-5-20250929');
    expect(valueFor('Tokens in / out')).toBe('12,345 / 678');
    expect(valueFor('Cached input tokens')).toBe('1,000');
    expect(valueFor('Reasoning tokens')).toBe('50');
    expect(valueFor('Cost')).toBe('$0.0012');
    expect(valueFor('Time to first token')).toBe('850 ms');
    expect(valueFor('Total time')).toBe('1.24 s');
    expect(valueFor('Speed')).toBe('42.3 tok/s');
    expect(valueFor('Finish reason')).toBe('stop');
    const attempts = within(screen.getByRole('list')).getAllByRole('listitem');
    expect(attempts.map((item) => item.textContent)).toEqual([
      'openai/gpt-4o — 120 ms — rate_limited: 429 Too Many Requests',
      'anthropic/claude-sonnet-4-5 — 1.10 s — ok',
    ]);
  });

  it('leaves out what does not apply and says when the price is unknown', () => {
    const message = makeMessage({
      role: 'assistant',
      metadata: {
        model: 'ollama/llama3.2',
        modelRequested: 'ollama/llama3.2',
        usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 },
      },
    });
    render(<MessageInfoPanel message={message} id="info" />);
    expect(valueFor('Cost')).toBe('price unknown');
    expect(screen.queryByText('Model requested')).toBeNull();
    expect(screen.queryByText('Cached input tokens')).toBeNull();
    expect(screen.getByTestId('message-info-panel')).toBeTruthy();
  });
});
