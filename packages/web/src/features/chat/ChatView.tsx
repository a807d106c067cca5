import { useEntitiesStore } from '../../stores/entities-store.ts';
import { modelScope } from '../../stores/ui-store.ts';
import { ErrorBoundary } from '../../ui/ErrorBoundary.tsx';
import { Composer } from '../composer/Composer.tsx';
import { MessageList } from '../messages/MessageList.tsx';
import { ChatHeader } from './ChatHeader.tsx';
import { useChatMessages } from './use-chat-messages.ts';

/** One chat (or a bot's new-chat draft): header, messages, composer. */
export function ChatView({ botId, chatId }: { botId: string; chatId: string | null }) {
  const bot = useEntitiesStore((state) => state.bots.find((item) => item.id === botId));
  const chat = useEntitiesStore((state) => (chatId ? state.chats[chatId] : undefined));
  const { messages } = useChatMessages(chatId);
  if (!bot) return <p className="muted center">This bot no longer exists.</p>;
  return (
    <section className="chat-view" aria-label="Chat">
      <ChatHeader bot={bot} chat={chat} messages={messages} />
      <ErrorBoundary scope="messages" resetKey={chatId ?? botId}>
        <MessageList key={chatId ?? `draft:${botId}`} botId={botId} chatId={chatId} />
      </ErrorBoundary>
      <Composer key={modelScope(botId, chatId)} botId={botId} chatId={chatId} />
    </section>
  );
}
