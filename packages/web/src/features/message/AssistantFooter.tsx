import type { Message } from '@cachibot/protocol';
import type { ReactNode } from 'react';
import { ForkButton } from '../branches/ForkButton.tsx';
import { RegenerateMenu } from '../branches/RegenerateMenu.tsx';
import { VoteButtons } from '../branches/VoteButtons.tsx';
import { formatCost, formatTokens } from '../message-info/format.ts';
import { BudgetWarning } from '../usage/BudgetWarning.tsx';

interface Props {
  message: Message;
  botId: string;
  infoOpen: boolean;
  infoId: string;
  onToggleInfo(): void;
  /** Answers the question again with the model picked in "Regenerate with…". */
  onRegenerate?(model: string): void;
  /** The ‹ n / m › control of the answer's versions, when it has siblings. */
  siblings?: ReactNode;
}

/** The answering model, tokens and cost of an answer, with its votes, Regenerate, Fork and Info. */
export function AssistantFooter({
  message,
  botId,
  infoOpen,
  infoId,
  onToggleInfo,
  onRegenerate,
  siblings,
}: Props) {
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
      {siblings}
      <span className="footer-actions">
        {finished && <VoteButtons message={message} />}
        {finished && onRegenerate && (
          <RegenerateMenu
            botId={botId}
            chatId={message.chatId}
            answerModel={message.metadata.model}
            onPick={onRegenerate}
          />
        )}
        {finished && <ForkButton message={message} botId={botId} />}
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
