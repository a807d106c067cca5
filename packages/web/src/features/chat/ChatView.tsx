import { useEffect } from 'react';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { modelScope } from '../../stores/ui-store.ts';
import { ErrorBoundary } from '../../ui/ErrorBoundary.tsx';
import { refreshChat } from '../chats/chat-actions.ts';
import { Composer } from '../composer/Composer.tsx';
import { MessageList } from '../messages/MessageList.tsx';
import { ChatHeader } from './ChatHeader.tsx';

/** One chat (or a bot's new-chat draft): header, messages, composer. */
export function ChatView({ botId, chatId }: { botId: string; chatId: string | null }) {
  const bot = useEntitiesStore((state) => state.bots.find((item) => item.id === botId));
  const chat = useEntitiesStore((state) => (chatId ? state.chats[chatId] : undefined));
  // The chat list may be older than the chat (turns in another tab): opening it brings current totals.
  useEffect(() => {
    if (chatId) void refreshChat(chatId);
  }, [chatId]);
  if (!bot) return <p className="muted center">This bot no longer exists.</p>;
  return (
    <section className="chat-view" aria-label="Chat">
      <ChatHeader bot={bot} chat={chat} />
      <ErrorBoundary scope="messages" resetKey={chatId ?? botId}>
        <MessageList key={chatId ?? `draft:${botId}`} botId={botId} chatId={chatId} />
      </ErrorBoundary>
      <Composer key={modelScope(botId, chatId)} botId={botId} chatId={chatId} />
    </section>
  );
}
