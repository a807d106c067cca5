import { useCallback, useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useTurnsStore } from '../../stores/turns-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { ShowMoreButton } from '../../ui/ShowMoreButton.tsx';
import { ChatListItem } from './ChatListItem.tsx';
import { loadChats, loadMoreChats } from './chat-actions.ts';
import { visibleChats } from './sort-chats.ts';

/** The selected bot's chats: pinned first, then newest activity, a page at a time. */
export function ChatList({ botId }: { botId: string }) {
  const chats = useEntitiesStore((state) => state.chats);
  const loaded = useEntitiesStore((state) => state.chatsLoadedFor[botId] ?? false);
  const hasMore = useEntitiesStore((state) => Boolean(state.chatsNextCursorFor[botId]));
  const showMore = useCallback(() => loadMoreChats(botId), [botId]);
  // A string, so the list re-renders when the set of answering chats changes, not on every token.
  const streamingKey = useTurnsStore((state) =>
    Object.values(state.turns)
      .filter((turn) => turn.status === 'running')
      .map((turn) => turn.chatId)
      .join(' '),
  );
  const { selectedChatId, showArchived, selectChat, setShowArchived } = useUiStore(
    useShallow((state) => ({
      selectedChatId: state.selectedChatId,
      showArchived: state.showArchived,
      selectChat: state.selectChat,
      setShowArchived: state.setShowArchived,
    })),
  );
  const list = useMemo(
    () => visibleChats(Object.values(chats), botId, showArchived),
    [chats, botId, showArchived],
  );
  const streamingChats = useMemo(() => new Set(streamingKey.split(' ')), [streamingKey]);

  useEffect(() => {
    if (!loaded) void loadChats(botId);
  }, [botId, loaded]);

  return (
    <section className="sidebar-section grow" aria-labelledby="chats-heading">
      <div className="section-header">
        <h2 id="chats-heading">Chats</h2>
        <button
          type="button"
          className="button small"
          data-testid="new-chat-button"
          onClick={() => selectChat(botId, null)}
        >
          + New chat
        </button>
      </div>
      <ul className="entity-list" data-testid="chat-list">
        {!loaded && <li className="muted list-note">Loading…</li>}
        {loaded && !hasMore && list.length === 0 && (
          <li className="muted list-note">No chats yet. Say hello!</li>
        )}
        {list.map((chat) => (
          <ChatListItem
            key={chat.id}
            chat={chat}
            selected={chat.id === selectedChatId}
            streaming={streamingChats.has(chat.id)}
            onSelect={() => selectChat(botId, chat.id)}
          />
        ))}
        {loaded && hasMore && (
          <li className="list-more">
            <ShowMoreButton label="Show more chats" testId="more-chats" onMore={showMore} />
          </li>
        )}
      </ul>
      <label className="toggle">
        <input
          type="checkbox"
          checked={showArchived}
          onChange={(event) => setShowArchived(event.target.checked)}
        />
        Show archived
      </label>
    </section>
  );
}
