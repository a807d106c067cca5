import { createHash, randomBytes } from 'node:crypto';
import type { CreateUserBody, CredentialsBody, User } from '@cachibot/protocol';
import type { BotService } from '../bots/bot-service.ts';
import { isUniqueViolation } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { FailureLimiter } from './login-limiter.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { SessionRepository } from './session-repository.ts';
import { toUser, type UserRepository } from './user-repository.ts';

const SESSION_DAYS = 30;
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

export class AuthService {
  private readonly ipFailures = new FailureLimiter(5, 60_000);
  private readonly userFailures = new FailureLimiter(5, 60_000);
  private readonly endedListeners = new Set<(ended: SessionsEnded) => void>();

  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly bots: BotService,
  ) {}

  async status(): Promise<{ setupRequired: boolean }> {
    return { setupRequired: (await this.users.count()) === 0 };
  }

  async setup(body: CredentialsBody): Promise<AuthResult> {
    if ((await this.users.count()) > 0)
      throw new AppError('conflict', 'Setup is already done; log in instead');
    const user = await this.createUser({ ...body, role: 'admin' });
    return { user, accessToken: await this.startSession(user.id) };
  }

  async createUser(body: CreateUserBody): Promise<User> {
    const row = {
      id: newId(),
      username: body.username,
      password_hash: await hashPassword(body.password),
      role: body.role ?? 'user',
      created_at: nowIso(),
    } as const;
    try {
      await this.users.insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('conflict', 'That username is taken');
      throw error;
    }
    await this.bots.createDefaultBot(row.id);
    return toUser(row);
  }

  async login(body: CredentialsBody, ip: string): Promise<AuthResult> {
    const userKey = body.username.toLowerCase();
    const wait = Math.max(
      this.ipFailures.retryAfterSeconds(ip),
      this.userFailures.retryAfterSeconds(userKey),
    );
    if (wait > 0)
      throw new AppError('rate_limited', 'Too many failed logins; try again later', undefined, wait);
    const row = await this.users.findByUsername(body.username);
    if (!row || !(await verifyPassword(body.password, row.password_hash))) {
      this.ipFailures.recordFailure(ip);
      this.userFailures.recordFailure(userKey);
      throw new AppError('unauthorized', 'Wrong username or password');
    }
    this.userFailures.reset(userKey);
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
    await this.users.updatePassword(row.id, await hashPassword(newPassword));
    await this.sessions.deleteForUserExcept(row.id, principal.sessionId);
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

  private async startSession(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.sessions.insert({
      id: hashToken(token),
      user_id: userId,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + SESSION_DAYS * 86_400_000).toISOString(),
    });
    return token;
  }
}

export const SESSION_MAX_AGE_SECONDS = SESSION_DAYS * 86_400;
