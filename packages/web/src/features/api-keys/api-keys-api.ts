import type { ApiKeysResponse, CreatedApiKey } from '@cachibot/protocol';
import { apiRequest } from '../../api/rest-client.ts';

export const apiKeysApi = {
  list: () => apiRequest<ApiKeysResponse>('GET', '/api/keys'),
  create: (name: string) => apiRequest<CreatedApiKey>('POST', '/api/keys', { body: { name } }),
  revoke: (keyId: string) => apiRequest<void>('DELETE', `/api/keys/${encodeURIComponent(keyId)}`),
};
