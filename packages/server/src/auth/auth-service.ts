import { createHash, randomBytes } from 'node:crypto';
import type { CreateUserBody, CredentialsBody, User } from '@cachibot/protocol';
import { type Db, isUniqueViolation } from '../db/database.ts';
import type { UserTable } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { LoginThrottle } from './login-limiter.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.ts';
import { SessionRepository } from './session-repository.ts';
import { toUser, UserRepository } from './user-repository.ts';

/** Every new user gets a bot of their own, created in the same transaction (the bots domain does it). */
export interface DefaultBotMaker {
  createDefaultBot(userId: string, within: Db): Promise<unknown>;
}

const SESSION_DAYS = 30;
/** Sessions a user may hold; a new login beyond it ends the oldest (and closes its sockets). */
export const MAX_SESSIONS_PER_USER = 20;
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface AuthResult {
  user: User;
  accessToken: string;
}

export interface Principal {
  user: User;
  sessionId: string;
}

/** Which sessions just ended: listed ones, or all of a user's except `keep`. */
export interface SessionsEnded {
  userId: string;
  sessionIds?: string[];
  allExcept?: string | null;
}

/** A login's body: any password (a short one is just another wrong one, counted like the rest). */
export interface LoginBody {
  username: string;
  password: string;
}

export interface AuthOptions {
  maxSessionsPerUser?: number;
  throttle?: LoginThrottle;
}

const setupDone = () => new AppError('conflict', 'Setup is already done; log in instead');

export class AuthService {
  private readonly users: UserRepository;
  private readonly sessions: SessionRepository;
  private readonly throttle: LoginThrottle;
  private readonly maxSessionsPerUser: number;
  private readonly endedListeners = new Set<(ended: SessionsEnded) => void>();

  constructor(
    private readonly db: Db,
    private readonly bots: DefaultBotMaker,
    options: AuthOptions = {},
  ) {
    this.users = new UserRepository(db);
    this.sessions = new SessionRepository(db);
    this.throttle = options.throttle ?? new LoginThrottle();
    this.maxSessionsPerUser = Math.max(1, options.maxSessionsPerUser ?? MAX_SESSIONS_PER_USER);
  }

  async status(): Promise<{ setupRequired: boolean }> {
    return { setupRequired: (await this.users.count()) === 0 };
  }

  /**
   * The first admin. One transaction inserts the setup guard row (a constant primary key), the admin
   * and its bot: of concurrent setups exactly one commits, the others meet the key and answer conflict.
   */
  async setup(body: CredentialsBody): Promise<AuthResult> {
    if ((await this.users.count()) > 0) throw setupDone();
    const row = await this.newUserRow({ ...body, role: 'admin' });
    try {
      await this.db.transaction().execute(async (trx) => {
        // A guard left behind by users deleted outside the server must not block an empty install.
        await trx
          .deleteFrom('setup_guard')
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('users').select('id'))))
          .execute();
        await trx.insertInto('setup_guard').values({ id: 'admin', created_at: row.created_at }).execute();
        await this.insertUserWithBot(trx, row);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw setupDone();
      throw error;
    }
    return { user: toUser(row), accessToken: await this.startSession(row.id) };
  }

  async createUser(body: CreateUserBody): Promise<User> {
    const row = await this.newUserRow(body);
    try {
      await this.db.transaction().execute((trx) => this.insertUserWithBot(trx, row));
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('conflict', 'That username is taken');
      throw error;
    }
    return toUser(row);
  }

  /**
   * Limits (see LoginThrottle) are checked and the try counted before the password is verified. An
   * unknown username is verified against a dummy hash, so it takes as long as a wrong password.
   */
  async login(body: LoginBody, address: string): Promise<AuthResult> {
    const userKey = body.username.toLowerCase();
    const wait = this.throttle.admit(userKey, address);
    if (wait > 0)
      throw new AppError('rate_limited', 'Too many failed logins; try again later', undefined, wait);
    const row = await this.users.findByUsername(body.username);
    const matches = await verifyPassword(body.password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!row || !matches) throw new AppError('unauthorized', 'Wrong username or password');
    this.throttle.succeeded(userKey, address);
    return { user: toUser(row), accessToken: await this.startSession(row.id) };
  }

  /** Resolves a cookie or bearer token to its user, or null. */
  async authenticate(token: string | undefined): Promise<Principal | null> {
    if (!token || token.length > 200) return null;
    const sessionId = hashToken(token);
    const session = await this.sessions.findValid(sessionId, nowIso());
    if (!session) return null;
    const row = await this.users.findById(session.user_id);
    return row ? { user: toUser(row), sessionId } : null;
  }

  /** Open sockets listen here so that logout or a password change closes them too. */
  onSessionsEnded(listener: (ended: SessionsEnded) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  async isSessionValid(sessionId: string): Promise<boolean> {
    return !!(await this.sessions.findValid(sessionId, nowIso()));
  }

  async logout(principal: Principal): Promise<void> {
    await this.sessions.delete(principal.sessionId);
    this.announce({ userId: principal.user.id, sessionIds: [principal.sessionId] });
  }

  /** A new password ends every other session of the user, open sockets included. */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const row = await this.users.findById(principal.user.id);
    if (!row || !(await verifyPassword(currentPassword, row.password_hash))) {
      throw new AppError('unauthorized', 'The current password is wrong');
    }
    const passwordHash = await hashPassword(newPassword);
    // Both or neither: a new password with the old sessions still open would defeat its purpose.
    await this.db.transaction().execute(async (trx) => {
      await new UserRepository(trx).updatePassword(row.id, passwordHash);
      await new SessionRepository(trx).deleteForUserExcept(row.id, principal.sessionId);
    });
    this.announce({ userId: row.id, allExcept: principal.sessionId });
  }

  async listUsers(): Promise<User[]> {
    return (await this.users.list()).map(toUser);
  }

  async deleteUser(actor: User, userId: string): Promise<void> {
    if (actor.id === userId) throw new AppError('conflict', 'You cannot delete your own account');
    if (!(await this.users.delete(userId))) throw new AppError('not_found', 'User not found');
    this.announce({ userId, allExcept: null });
  }

  private announce(ended: SessionsEnded): void {
    for (const listener of this.endedListeners) listener(ended);
  }

  private async newUserRow(body: CreateUserBody): Promise<UserTable> {
    return {
      id: newId(),
      username: body.username,
      password_hash: await hashPassword(body.password), // before any transaction: it takes a while
      role: body.role ?? 'user',
      created_at: nowIso(),
    };
  }

  private async insertUserWithBot(trx: Db, row: UserTable): Promise<void> {
    await new UserRepository(trx).insert(row);
    await this.bots.createDefaultBot(row.id, trx);
  }

  /**
   * A new session; then expired sessions (everyone's) are deleted, and the user's oldest beyond the cap.
   * The trim runs after the insert committed, so of logins in parallel the last trim sees them all.
   */
  private async startSession(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.sessions.insert({
      id: hashToken(token),
      user_id: userId,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + SESSION_DAYS * 86_400_000).toISOString(),
    });
    await this.sessions.deleteExpired(new Date(now).toISOString());
    const ended = await this.sessions.deleteOldest(userId, this.maxSessionsPerUser);
    if (ended.length > 0) this.announce({ userId, sessionIds: ended });
    return token;
  }
}

export const SESSION_MAX_AGE_SECONDS = SESSION_DAYS * 86_400;
