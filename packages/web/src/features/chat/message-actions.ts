import { describeError } from '../../api/api-error.ts';
import { chatsApi } from '../../api/endpoints.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { showError } from '../../stores/toast-store.ts';
import { useTurnsStore } from '../../stores/turns-store.ts';
import { resumeChat } from './turn-actions.ts';

const PAGE_SIZE = 50;

/** Ids of messages a running turn is writing: the socket's copy is newer than any REST page. */
function liveMessageIds(): Set<string> {
  const ids = new Set<string>();
  for (const turn of Object.values(useTurnsStore.getState().turns)) {
    if (turn.status !== 'running') continue;
    if (turn.assistantMessageId) ids.add(turn.assistantMessageId);
    if (turn.userMessageId) ids.add(turn.userMessageId);
  }
  return ids;
}

/** Loads the newest page; an answer still `streaming` there is followed live via `resume`. */
export async function loadLatestMessages(chatId: string): Promise<void> {
  const store = useMessagesStore.getState();
  if (store.chats[chatId]?.status === 'loading') return; // a remounted list asks again while the first load runs
  store.setLoadStatus(chatId, 'loading');
  try {
    const page = await chatsApi.messages(chatId, { limit: PAGE_SIZE });
    const live = liveMessageIds();
    useMessagesStore.getState().setLatestPage(chatId, page.messages, page.nextCursor, (id) => live.has(id));
    const followed = [...live].some((id) => page.messages.some((message) => message.id === id));
    if (!followed && page.messages.some((message) => message.status === 'streaming')) {
      useTurnsStore.getState().watchChat(chatId);
      resumeChat(chatId);
    }
  } catch (error) {
    useMessagesStore.getState().setLoadStatus(chatId, 'error');
    showError(`Could not load messages: ${describeError(error)}`, () => void loadLatestMessages(chatId));
  }
}

/** The page before the oldest loaded message (scrolling up). */
export async function loadOlderMessages(chatId: string): Promise<void> {
  const chat = useMessagesStore.getState().chats[chatId];
  if (!chat || chat.loadingOlder || chat.status !== 'loaded' || !chat.nextCursor) return;
  useMessagesStore.getState().setLoadingOlder(chatId, true);
  try {
    const page = await chatsApi.messages(chatId, { before: chat.nextCursor, limit: PAGE_SIZE });
    useMessagesStore.getState().prependOlder(chatId, page.messages, page.nextCursor);
  } catch (error) {
    useMessagesStore.getState().setLoadingOlder(chatId, false);
    showError(`Could not load older messages: ${describeError(error)}`, () => void loadOlderMessages(chatId));
  }
}
