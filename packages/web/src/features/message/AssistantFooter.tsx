import type { Message } from '@cachibot/protocol';
import { formatCost, formatTokens } from '../message-info/format.ts';
import { BudgetWarning } from '../usage/BudgetWarning.tsx';

interface Props {
  message: Message;
  infoOpen: boolean;
  infoId: string;
  onToggleInfo(): void;
  onRegenerate?(): void;
  siblings?: { index: number; count: number; onPrevious(): void; onNext(): void };
}

/** The answering model, tokens and cost of an answer, with its Info and Regenerate buttons. */
export function AssistantFooter({ message, infoOpen, infoId, onToggleInfo, onRegenerate, siblings }: Props) {
  const { model, usage, costUsd } = message.metadata;
  const finished = message.status !== 'streaming';
  return (
    <footer className="message-footer">
      <span className="model-label" data-testid="message-model" title="Model that answered">
        {model ?? 'unknown model'}
      </span>
      {finished && usage && <span className="muted">{formatTokens(usage.totalTokens)} tokens</span>}
      {finished && <span className="muted">{formatCost(costUsd)}</span>}
      {finished && message.metadata.budget && <BudgetWarning notice={message.metadata.budget} />}
      {siblings && siblings.count > 1 && (
        <span className="sibling-nav">
          <button
            type="button"
            className="icon-button"
            aria-label="Previous answer"
            disabled={siblings.index === 0}
            onClick={siblings.onPrevious}
          >
            ‹
          </button>
          <span aria-live="polite">
            {siblings.index + 1}/{siblings.count}
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label="Next answer"
            disabled={siblings.index === siblings.count - 1}
            onClick={siblings.onNext}
          >
            ›
          </button>
        </span>
      )}
      <span className="footer-actions">
        {finished && onRegenerate && (
          <button
            type="button"
            className="button small"
            data-testid="regenerate-button"
            onClick={onRegenerate}
          >
            Regenerate
          </button>
        )}
        <button
          type="button"
          className="button small"
          data-testid="message-info"
          aria-expanded={infoOpen}
          aria-controls={infoId}
          onClick={onToggleInfo}
        >
          Info
        </button>
      </span>
    </footer>
  );
}
