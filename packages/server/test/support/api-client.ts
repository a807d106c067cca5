/** A tiny REST client for tests: bearer auth, JSON in and out, status kept. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  get = <T = any>(path: string) => this.request<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.request<T>('POST', path, body ?? {});
  patch = <T = any>(path: string, body: unknown) => this.request<T>('PATCH', path, body);
  delete = <T = any>(path: string) => this.request<T>('DELETE', path);
}

/** Creates the admin (first run) and returns a client logged in as it. */
export async function setupAdmin(baseUrl: string, username = 'admin'): Promise<ApiClient> {
  const client = new ApiClient(baseUrl);
  const result = await client.post('/api/auth/setup', { username, password: 'correct horse battery' });
  if (result.status !== 201) throw new Error(`setup failed: ${result.status} ${JSON.stringify(result.body)}`);
  client.token = result.body.accessToken;
  return client;
}

/** An admin-created second user, logged in. */
export async function createUser(admin: ApiClient, username: string): Promise<ApiClient> {
  const created = await admin.post('/api/users', { username, password: 'another good password' });
  if (created.status !== 201) throw new Error(`user creation failed: ${created.status}`);
  const client = new ApiClient(admin.baseUrl);
  const login = await client.post('/api/auth/login', { username, password: 'another good password' });
  client.token = login.body.accessToken;
  return client;
}
