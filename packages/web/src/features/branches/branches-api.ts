import type { Chat, LeaderboardRow } from '@cachibot/protocol';
import { apiRequest } from '../../api/rest-client.ts';

const id = encodeURIComponent;

// The REST routes of issue 12 (API.md "Contract v2 additions → Branches").
export const branchesApi = {
  showBranch: (chatId: string, currentMessageId: string) =>
    apiRequest<Chat>('PATCH', `/api/chats/${id(chatId)}`, { body: { currentMessageId } }),
  fork: (chatId: string, messageId: string) =>
    apiRequest<Chat>('POST', `/api/chats/${id(chatId)}/fork`, { body: { messageId } }),
  vote: (messageId: string, value: 1 | 0 | -1) =>
    apiRequest<void>('POST', `/api/messages/${id(messageId)}/vote`, { body: { value } }),
  leaderboard: (signal?: AbortSignal) =>
    apiRequest<{ models: LeaderboardRow[] }>('GET', '/api/leaderboard', { signal }),
};
