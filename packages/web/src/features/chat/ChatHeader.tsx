import type { Bot, Chat } from '@cachibot/protocol';
import { ChatExportMenu } from '../chat-export/ChatExportMenu.tsx';
import { describeChatTotals } from './chat-totals.ts';

interface Props {
  bot: Bot;
  chat: Chat | undefined;
}

/** The chat's title and its totals as the server keeps them over the whole chat (not the loaded page). */
export function ChatHeader({ bot, chat }: Props) {
  const totals = chat ? describeChatTotals(chat.totals) : undefined;
  return (
    <header className="chat-header">
      <div className="chat-title">
        <h1 data-testid="chat-title">{chat ? chat.title || 'Untitled chat' : `New chat with ${bot.name}`}</h1>
        {bot.description && <p className="muted small">{bot.description}</p>}
      </div>
      {totals && (
        <dl className="chat-totals" data-testid="chat-totals" aria-label="Chat totals">
          <div>
            <dt>Messages</dt>
            <dd data-testid="chat-total-messages">{totals.messages}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd data-testid="chat-total-tokens">{totals.tokens}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd data-testid="chat-total-cost" title={totals.costNote}>
              {totals.cost}
            </dd>
          </div>
        </dl>
      )}
      {chat && <ChatExportMenu chat={chat} />}
    </header>
  );
}
