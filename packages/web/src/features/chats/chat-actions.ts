import type { UpdateChatBody } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { chatsApi } from '../../api/endpoints.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { showError } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';

/** The first page of a bot's chats; further pages come with `loadMoreChats`. */
export async function loadChats(botId: string): Promise<void> {
  try {
    const { chats, nextCursor } = await chatsApi.list(botId);
    useEntitiesStore.getState().setChatsForBot(botId, chats, nextCursor);
  } catch (error) {
    showError(`Could not load chats: ${describeError(error)}`, () => void loadChats(botId));
  }
}

/** Pages on their way, by bot and cursor: asking again for the same page shares the request. */
const loadingMoreChats = new Map<string, Promise<boolean>>();

/** The next page of a bot's chats, if any (false: it failed, and a toast offers a retry). */
export function loadMoreChats(botId: string): Promise<boolean> {
  const cursor = useEntitiesStore.getState().chatsNextCursorFor[botId];
  if (!cursor) return Promise.resolve(true);
  const key = JSON.stringify([botId, cursor]);
  let loading = loadingMoreChats.get(key);
  if (!loading) {
    loading = fetchMoreChats(botId, cursor).finally(() => loadingMoreChats.delete(key));
    loadingMoreChats.set(key, loading);
  }
  return loading;
}

async function fetchMoreChats(botId: string, cursor: string): Promise<boolean> {
  try {
    const page = await chatsApi.list(botId, { cursor });
    // The list was reloaded meanwhile: this page continues an older one.
    if (useEntitiesStore.getState().chatsNextCursorFor[botId] !== cursor) return true;
    useEntitiesStore.getState().appendChatsForBot(botId, page.chats, page.nextCursor);
    return true;
  } catch (error) {
    showError(`Could not load more chats: ${describeError(error)}`, () => void loadMoreChats(botId));
    return false;
  }
}

/** Rename, pin, archive, or remember a model; the server's answer replaces the local chat. */
export async function updateChat(chatId: string, changes: UpdateChatBody): Promise<void> {
  try {
    const chat = await chatsApi.update(chatId, changes);
    useEntitiesStore.getState().upsertChat(chat);
  } catch (error) {
    showError(`Could not update the chat: ${describeError(error)}`, () => void updateChat(chatId, changes));
  }
}

/** The newest refresh asked for per chat: an older answer arriving late must not overwrite a newer one. */
const latestRefresh = new Map<string, number>();
let refreshCounter = 0;

/**
 * Fetches a chat again (opened, or one of its turns ended) so its server-kept totals (META-02) are
 * current. Best effort: on failure the header keeps the last totals until the next refresh.
 */
export async function refreshChat(chatId: string): Promise<void> {
  const ticket = ++refreshCounter;
  latestRefresh.set(chatId, ticket);
  const known = Boolean(useEntitiesStore.getState().chats[chatId]);
  try {
    const chat = await chatsApi.get(chatId);
    // A newer refresh of the same chat wins; a chat deleted meanwhile stays deleted.
    if (latestRefresh.get(chatId) !== ticket) return;
    if (known && !useEntitiesStore.getState().chats[chatId]) return;
    useEntitiesStore.getState().upsertChat(chat);
  } catch {
    // The totals stay as they were; nothing the user must act on.
  } finally {
    if (latestRefresh.get(chatId) === ticket) latestRefresh.delete(chatId);
  }
}

export async function deleteChat(chatId: string): Promise<void> {
  try {
    await chatsApi.remove(chatId);
  } catch (error) {
    showError(`Could not delete the chat: ${describeError(error)}`, () => void deleteChat(chatId));
    return;
  }
  const chat = useEntitiesStore.getState().chats[chatId];
  useEntitiesStore.getState().removeChat(chatId);
  useMessagesStore.getState().removeChat(chatId);
  const ui = useUiStore.getState();
  if (chat && ui.selectedChatId === chatId) ui.selectChat(chat.botId, null);
}
