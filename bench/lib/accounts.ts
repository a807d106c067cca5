import { HttpClient } from './http-client.ts';

/** The model every bench turn uses: `openai/…` is served by the double through OPENAI_BASE_URL. */
export const BENCH_MODEL = 'openai/gpt-4o-mini';
/** The provider-side name of BENCH_MODEL, for direct calls to the double. */
export const BENCH_PROVIDER_MODEL = 'gpt-4o-mini';
export const BENCH_SYSTEM_PROMPT = 'You are Cachibot, a helpful, precise assistant. Answer in Markdown.';

export interface BenchUser {
  username: string;
  token: string;
  botId: string;
}

const PASSWORD = 'bench password 1234';

function expect(status: number, wanted: number, what: string, body: unknown): void {
  if (status !== wanted) throw new Error(`${what} failed: HTTP ${status} ${JSON.stringify(body)}`);
}

async function createBot(http: HttpClient): Promise<string> {
  const bot = await http.post<{ id: string }>('/api/bots', {
    name: 'Bench',
    systemPrompt: BENCH_SYSTEM_PROMPT,
    models: { default: BENCH_MODEL },
  });
  expect(bot.status, 201, 'bot creation', bot.body);
  return bot.body.id;
}

/**
 * `count` users, each with a bot answering with BENCH_MODEL: the admin (first-run setup) and then
 * admin-created users. Several users spread turns and sockets the way a shared instance sees them.
 */
export async function createUsers(baseUrl: string, count: number): Promise<BenchUser[]> {
  const admin = new HttpClient(baseUrl);
  try {
    const setup = await admin.post<{ accessToken: string }>('/api/auth/setup', {
      username: 'bench0',
      password: PASSWORD,
    });
    expect(setup.status, 201, 'setup', setup.body);
    admin.token = setup.body.accessToken;
    const users: BenchUser[] = [{ username: 'bench0', token: admin.token, botId: await createBot(admin) }];
    for (let i = 1; i < count; i++) {
      const username = `bench${i}`;
      const created = await admin.post('/api/users', { username, password: PASSWORD });
      expect(created.status, 201, 'user creation', created.body);
      const client = new HttpClient(baseUrl);
      const login = await client.post<{ accessToken: string }>('/api/auth/login', {
        username,
        password: PASSWORD,
      });
      expect(login.status, 200, 'login', login.body);
      client.token = login.body.accessToken;
      users.push({ username, token: client.token, botId: await createBot(client) });
      client.close();
    }
    return users;
  } finally {
    admin.close();
  }
}
