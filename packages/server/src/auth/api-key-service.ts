import { createHash, randomBytes } from 'node:crypto';
import {
  API_KEY_LIMITS,
  API_KEY_PREFIX,
  type ApiKey,
  type CreatedApiKey,
  type User,
} from '@cachibot/protocol';
import type { Db } from '../db/database.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { ApiKeyRepository, toApiKey } from './api-key-repository.ts';
import { toUser, UserRepository } from './user-repository.ts';

/** `last_used_at` is written at most this often per key: a busy script must not write on every call. */
const TOUCH_INTERVAL_MS = 60_000;
/** Longer than any key this server hands out; anything longer is not looked up. */
const MAX_KEY_CHARS = 200;

const hashKey = (key: string) => createHash('sha256').update(key).digest('base64url');

/** Who an API call is from: the key's owner and the key. */
export interface ApiCaller {
  user: User;
  keyId: string;
}

/**
 * Personal API keys: 256 random bits behind a recognisable prefix, shown once at creation and stored
 * as their SHA-256 (a database leak yields no working key; the keys are too long to guess, so a fast
 * hash is enough — as for session tokens). Revoking deletes the row: the key stops working at once.
 */
export class ApiKeyService {
  private readonly keys: ApiKeyRepository;
  private readonly users: UserRepository;

  constructor(db: Db) {
    this.keys = new ApiKeyRepository(db);
    this.users = new UserRepository(db);
  }

  async create(userId: string, name: string): Promise<CreatedApiKey> {
    // Not atomic with the insert: parallel creations may pass the cap by a few, which is harmless.
    if ((await this.keys.countForUser(userId)) >= API_KEY_LIMITS.perUser) {
      throw new AppError('conflict', `At most ${API_KEY_LIMITS.perUser} API keys; revoke one first`);
    }
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = {
      id: newId(),
      user_id: userId,
      name,
      key_hash: hashKey(key),
      last4: key.slice(-4),
      created_at: nowIso(),
      last_used_at: null,
    };
    await this.keys.insert(row);
    return { ...toApiKey(row), key };
  }

  async list(userId: string): Promise<ApiKey[]> {
    return (await this.keys.listForUser(userId)).map(toApiKey);
  }

  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.keys.delete(userId, id))) throw notFound('API key');
  }

  /** The caller a key belongs to, or null (unknown, revoked, or its user deleted). */
  async authenticate(key: string | undefined): Promise<ApiCaller | null> {
    if (!key || key.length > MAX_KEY_CHARS || !key.startsWith(API_KEY_PREFIX)) return null;
    const row = await this.keys.findByHash(hashKey(key));
    if (!row) return null;
    const user = await this.users.findById(row.user_id);
    if (!user) return null;
    const now = Date.now();
    if (!row.last_used_at || now - Date.parse(row.last_used_at) >= TOUCH_INTERVAL_MS) {
      await this.keys.touch(row.id, new Date(now).toISOString());
    }
    return { user: toUser(user), keyId: row.id };
  }
}
