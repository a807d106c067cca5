import type { Budget, BudgetBody, UsageGroupBy, UsageResponse, User } from '@cachibot/protocol';
import { apiRequest } from '../../api/rest-client.ts';

export interface UsageFilter {
  from: string;
  to: string;
  scope: 'me' | 'all';
}

const id = encodeURIComponent;
const query = (filter: UsageFilter, groupBy: UsageGroupBy) => ({ ...filter, groupBy });

/** The CSV of one table: a plain link, so the browser downloads it with the session cookie. */
export const usageCsvUrl = (filter: UsageFilter, groupBy: UsageGroupBy): string =>
  `/api/usage.csv?${new URLSearchParams(query(filter, groupBy)).toString()}`;

export const usageApi = {
  report: (filter: UsageFilter, groupBy: UsageGroupBy, signal?: AbortSignal) =>
    apiRequest<UsageResponse>('GET', '/api/usage', { query: query(filter, groupBy), signal }),
};

export const budgetsApi = {
  ofBot: (botId: string) => apiRequest<Budget>('GET', `/api/bots/${id(botId)}/budget`),
  setForBot: (botId: string, body: BudgetBody) =>
    apiRequest<Budget>('PUT', `/api/bots/${id(botId)}/budget`, { body }),
  removeFromBot: (botId: string) => apiRequest<void>('DELETE', `/api/bots/${id(botId)}/budget`),
  ofUser: (userId: string) => apiRequest<Budget>('GET', `/api/users/${id(userId)}/budget`),
  setForUser: (userId: string, body: BudgetBody) =>
    apiRequest<Budget>('PUT', `/api/users/${id(userId)}/budget`, { body }),
  removeFromUser: (userId: string) => apiRequest<void>('DELETE', `/api/users/${id(userId)}/budget`),
  /** Admins: every user, to set their budgets. */
  users: () => apiRequest<{ users: User[] }>('GET', '/api/users'),
};
