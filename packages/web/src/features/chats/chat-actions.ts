import type { UpdateChatBody } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { chatsApi } from '../../api/endpoints.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useMessagesStore } from '../../stores/messages-store.ts';
import { showError } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';

export async function loadChats(botId: string): Promise<void> {
  try {
    const { chats } = await chatsApi.list(botId);
    useEntitiesStore.getState().setChatsForBot(botId, chats);
  } catch (error) {
    showError(`Could not load chats: ${describeError(error)}`, () => void loadChats(botId));
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
