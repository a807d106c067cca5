import type { Bot, Chat, Message } from '@cachibot/protocol';
import { useMemo } from 'react';
import { formatCost, formatTokens } from '../message-info/format.ts';
import { chatTotals } from './chat-totals.ts';

interface Props {
  bot: Bot;
  chat: Chat | undefined;
  messages: Message[];
}

/** The chat's title and its totals over the loaded messages. */
export function ChatHeader({ bot, chat, messages }: Props) {
  const totals = useMemo(() => chatTotals(messages), [messages]);
  const cost =
    totals.costUsd > 0 || totals.unpricedAnswers === 0 ? formatCost(totals.costUsd) : 'price unknown';
  return (
    <header className="chat-header">
      <div className="chat-title">
        <h1 data-testid="chat-title">{chat ? chat.title || 'Untitled chat' : `New chat with ${bot.name}`}</h1>
        {bot.description && <p className="muted small">{bot.description}</p>}
      </div>
      {chat && (
        <dl className="chat-totals" data-testid="chat-totals" aria-label="Chat totals">
          <div>
            <dt>Messages</dt>
            <dd>{formatTokens(totals.messages)}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{formatTokens(totals.tokens)}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd
              title={
                totals.unpricedAnswers > 0
                  ? `${totals.unpricedAnswers} answer(s) without a known price`
                  : undefined
              }
            >
              {cost}
              {totals.unpricedAnswers > 0 && totals.costUsd > 0 ? '+' : ''}
            </dd>
          </div>
        </dl>
      )}
    </header>
  );
}
