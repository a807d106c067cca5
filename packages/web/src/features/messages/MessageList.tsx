import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { type TurnState, useTurnsStore } from '../../stores/turns-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { BotWelcome } from '../bots/BotWelcome.tsx';
import { loadOlderMessages } from '../chat/message-actions.ts';
import { useChatMessages } from '../chat/use-chat-messages.ts';
import { MessageBubble } from '../message/MessageBubble.tsx';
import { PendingBubble } from '../message/PendingBubble.tsx';
import { threadItems } from './message-threads.ts';
import { setShownLeaf } from './shown-branch.ts';
import { useAutoScroll } from './use-auto-scroll.ts';

/** The conversation: older pages on scroll up, live answers at the bottom, followed while at the bottom. */
export function MessageList({ botId, chatId }: { botId: string; chatId: string | null }) {
  const { messages, status, hasOlder, loadingOlder } = useChatMessages(chatId);
  const pending = useTurnsStore(
    useShallow((state) =>
      Object.values(state.pending).filter(
        (send) => send.kind === 'chat' && send.botId === botId && (send.chatId ?? null) === chatId,
      ),
    ),
  );
  const turns = useTurnsStore((state) => state.turns);
  const connected = useUiStore((state) => state.connection === 'connected');
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const items = useMemo(() => threadItems(messages, chosen), [messages, chosen]);
  // The next question continues the branch on screen, whichever sibling answer is shown.
  const shownLeafId = items.at(-1)?.message.id;
  useEffect(() => {
    if (chatId) setShownLeaf(chatId, shownLeafId);
  }, [chatId, shownLeafId]);
  const turnByMessage = useMemo(() => {
    const map = new Map<string, TurnState>();
    for (const turn of Object.values(turns))
      if (turn.assistantMessageId) map.set(turn.assistantMessageId, turn);
    return map;
  }, [turns]);

  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const loadOlder = useCallback(() => chatId && void loadOlderMessages(chatId), [chatId]);
  const last = messages.at(-1);
  const { onScroll, atBottom, scrollToBottom } = useAutoScroll(scroller, content, {
    contentKey: `${messages.length}:${last?.content.length}:${last?.status}:${pending.length}`,
    firstKey: messages[0]?.id,
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
        {items.map(({ message, siblings }) => (
          <MessageBubble
            key={siblings ? `slot:${siblings.parentId}` : message.id}
            message={message}
            botId={botId}
            turn={turnByMessage.get(message.id)}
            siblings={
              siblings && {
                index: siblings.index,
                count: siblings.ids.length,
                onPrevious: () =>
                  setChosen((map) => ({
                    ...map,
                    [siblings.parentId]: siblings.ids[siblings.index - 1] ?? '',
                  })),
                onNext: () =>
                  setChosen((map) => ({
                    ...map,
                    [siblings.parentId]: siblings.ids[siblings.index + 1] ?? '',
                  })),
              }
            }
          />
        ))}
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
