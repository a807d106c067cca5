import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useBranch } from '../../stores/branch-state.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { threadItems } from '../../stores/message-tree.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { type TurnState, useTurnsStore } from '../../stores/turns-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { BotWelcome } from '../bots/BotWelcome.tsx';
import { showBranch } from '../branches/branch-actions.ts';
import { loadOlderMessages } from '../chat/message-actions.ts';
import { useChatMessages } from '../chat/use-chat-messages.ts';
import { CompareView } from '../compare/CompareView.tsx';
import { MessageBubble } from '../message/MessageBubble.tsx';
import { PendingBubble } from '../message/PendingBubble.tsx';
import { useAutoScroll } from './use-auto-scroll.ts';

/**
 * The conversation: the branch from the first message to the chat's current leaf (versions behind
 * ‹ n / m ›, a compare side by side), older pages on scroll up, live answers at the bottom, followed
 * while at the bottom.
 */
export function MessageList({ botId, chatId }: { botId: string; chatId: string | null }) {
  const { status, hasOlder, loadingOlder } = useChatMessages(chatId);
  const branch = useBranch(chatId);
  const pending = useTurnsStore(
    useShallow((state) =>
      Object.values(state.pending).filter(
        (send) => send.kind !== 'regenerate' && send.botId === botId && (send.chatId ?? null) === chatId,
      ),
    ),
  );
  const turns = useTurnsStore((state) => state.turns);
  const connected = useUiStore((state) => state.connection === 'connected');

  // A question on its way that continues another message than the leaf (an edit) shows where it goes:
  // the branch up to that message, then the question.
  const cut = pending.find((send) => send.replyToId !== undefined && send.replyToId !== branch.leafId);
  const items = useMemo(() => {
    if (!cut) return branch.items;
    const end = cut.replyToId ? branch.path.findIndex((message) => message.id === cut.replyToId) : -1;
    return threadItems(branch.tree, branch.path.slice(0, end + 1));
  }, [branch, cut]);

  const turnByMessage = useMemo(() => {
    const map = new Map<string, TurnState>();
    for (const turn of Object.values(turns))
      if (turn.assistantMessageId) map.set(turn.assistantMessageId, turn);
    return map;
  }, [turns]);
  const onSelectBranch = useCallback((leafId: string) => chatId && void showBranch(chatId, leafId), [chatId]);

  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const loadOlder = useCallback(() => chatId && void loadOlderMessages(chatId), [chatId]);
  // The branch the chat remembers may end on an older page (picked long ago): load until it is here.
  const wanted = useMessagesStore((state) => (chatId ? state.chats[chatId]?.leafOverride : undefined));
  const remembered = useEntitiesStore((state) => (chatId ? state.chats[chatId]?.currentMessageId : null));
  const missing = (wanted ?? remembered) && !branch.tree.byId[(wanted ?? remembered) as string];
  useEffect(() => {
    if (missing && hasOlder && status === 'loaded' && !loadingOlder) loadOlder();
  }, [missing, hasOlder, status, loadingOlder, loadOlder]);

  const { onScroll, atBottom, scrollToBottom } = useAutoScroll(scroller, content, {
    contentKey: `${contentSize(items)}:${pending.length}`,
    firstKey: branch.path[0]?.id,
    onNearTop: () => hasOlder && loadOlder(),
  });
  // A message the user just sent always brings the view back to the bottom.
  useEffect(() => {
    if (pending.length > 0) scrollToBottom();
  }, [pending.length, scrollToBottom]);

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll}>
      <div
        className="message-list"
        ref={content}
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label="Messages"
      >
        {hasOlder && (
          <button
            type="button"
            className="button small load-older"
            onClick={loadOlder}
            disabled={loadingOlder}
          >
            {loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        )}
        {status === 'loading' && <p className="muted center">Loading messages…</p>}
        {status !== 'loading' && items.length === 0 && pending.length === 0 && (
          <BotWelcome botId={botId} chatId={chatId} />
        )}
        {items.map((item) =>
          item.kind === 'compare' ? (
            <CompareView
              key={item.key}
              item={item}
              botId={botId}
              turnByMessage={turnByMessage}
              onSelectBranch={onSelectBranch}
            />
          ) : (
            <MessageBubble
              key={item.key}
              message={item.message}
              botId={botId}
              turn={turnByMessage.get(item.message.id)}
              siblings={item.siblings}
              onSelectBranch={onSelectBranch}
            />
          ),
        )}
        {pending.map((send) => (
          <PendingBubble key={send.clientMessageId} send={send} connected={connected} />
        ))}
      </div>
      {!atBottom && (
        <button type="button" className="button small jump-latest" onClick={scrollToBottom}>
          ↓ Latest
        </button>
      )}
    </div>
  );
}

/** Changes whenever what is shown may have grown: items, streamed text, statuses. */
function contentSize(items: ReturnType<typeof threadItems>): string {
  let size = 0;
  let statuses = '';
  for (const item of items) {
    const messages = item.kind === 'compare' ? item.answers : [item.message];
    for (const message of messages) {
      size += message.content.length;
      statuses += message.status[0];
    }
  }
  return `${items.length}:${size}:${statuses}`;
}
