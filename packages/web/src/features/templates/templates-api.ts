import type {
  Bot,
  BotExport,
  ChatExportQuery,
  ListTemplatesQuery,
  PublishBotBody,
  Template,
  TemplatesResponse,
} from '@cachibot/protocol';
import { ApiError, NetworkError } from '../../api/api-error.ts';
import { apiRequest } from '../../api/rest-client.ts';

// The REST routes of API.md "Templates and portable bots", one line each.

const id = encodeURIComponent;

export const templatesApi = {
  list: (query: ListTemplatesQuery = {}, signal?: AbortSignal) =>
    apiRequest<TemplatesResponse>('GET', '/api/templates', {
      query: { category: query.category, q: query.q?.trim() || undefined },
      signal,
    }),
  install: (templateId: string) =>
    apiRequest<Bot>('POST', `/api/templates/${id(templateId)}/install`, { body: {} }),
  publish: (botId: string, body: PublishBotBody = {}) =>
    apiRequest<Template>('PUT', `/api/bots/${id(botId)}/publication`, { body }),
  unpublish: (botId: string) => apiRequest<void>('DELETE', `/api/bots/${id(botId)}/publication`),
  exportBot: (botId: string) => apiRequest<BotExport>('GET', `/api/bots/${id(botId)}/export`),
  importBot: (file: unknown) => apiRequest<Bot>('POST', '/api/bots/import', { body: file }),
};

/** A chat export as the server writes it (Markdown or JSON text), for saving as a file. */
export async function fetchChatExport(chatId: string, format: ChatExportQuery['format']): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`/api/chats/${id(chatId)}/export?format=${format}`, {
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new NetworkError('Cannot reach the server. Check your connection.', { cause: error });
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(
      response.status,
      body.error?.code ?? 'internal',
      body.error?.message ?? `The server answered ${response.status}`,
    );
  }
  return response.text();
}
