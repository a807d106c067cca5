import type {
  Bot,
  BotsPage,
  Chat,
  ChatsPage,
  CreateBotBody,
  CredentialsBody,
  Message,
  ModelsResponse,
  UpdateBotBody,
  UpdateChatBody,
  User,
} from '@cachibot/protocol';
import { apiRequest } from './rest-client.ts';

// Typed wrappers over the REST routes of API.md; one line each so the contract stays visible.

export interface AuthStatus {
  setupRequired: boolean;
  user: User | null;
}
export interface AuthResult {
  user: User;
  accessToken: string;
}
export interface ListPageOptions {
  cursor?: string | null;
  limit?: number;
}
export interface MessagesPage {
  messages: Message[];
  nextCursor: string | null;
}

const auth = { skipUnauthorizedHandler: true };
const id = encodeURIComponent;

export const authApi = {
  status: () => apiRequest<AuthStatus>('GET', '/api/auth/status', auth),
  setup: (body: CredentialsBody) => apiRequest<AuthResult>('POST', '/api/auth/setup', { ...auth, body }),
  login: (body: CredentialsBody) => apiRequest<AuthResult>('POST', '/api/auth/login', { ...auth, body }),
  logout: () => apiRequest<void>('POST', '/api/auth/logout', auth),
};

export const botsApi = {
  list: (page: ListPageOptions = {}) =>
    apiRequest<BotsPage>('GET', '/api/bots', {
      query: { limit: page.limit, cursor: page.cursor ?? undefined },
    }),
  create: (body: CreateBotBody) => apiRequest<Bot>('POST', '/api/bots', { body }),
  update: (botId: string, body: UpdateBotBody) =>
    apiRequest<Bot>('PATCH', `/api/bots/${id(botId)}`, { body }),
  remove: (botId: string) => apiRequest<void>('DELETE', `/api/bots/${id(botId)}`),
};

export const chatsApi = {
  list: (botId: string, page: ListPageOptions = {}) =>
    apiRequest<ChatsPage>('GET', `/api/bots/${id(botId)}/chats`, {
      query: { archived: 'all', limit: page.limit, cursor: page.cursor ?? undefined },
    }),
  get: (chatId: string) => apiRequest<Chat>('GET', `/api/chats/${id(chatId)}`),
  update: (chatId: string, body: UpdateChatBody) =>
    apiRequest<Chat>('PATCH', `/api/chats/${id(chatId)}`, { body }),
  remove: (chatId: string) => apiRequest<void>('DELETE', `/api/chats/${id(chatId)}`),
  messages: (chatId: string, options: { before?: string; limit?: number } = {}) =>
    apiRequest<MessagesPage>('GET', `/api/chats/${id(chatId)}/messages`, {
      query: { limit: options.limit ?? 50, before: options.before },
    }),
};

export const modelsApi = {
  list: (refresh = false) =>
    apiRequest<ModelsResponse>('GET', '/api/models', { query: { refresh: refresh ? 1 : undefined } }),
};
