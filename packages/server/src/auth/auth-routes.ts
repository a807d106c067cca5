import {
  ChangePasswordBodySchema,
  CreateUserBodySchema,
  CredentialsBodySchema,
  IdParamsSchema,
  LIMITS,
} from '@cachibot/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';
import { type AuthResult, type AuthService, SESSION_MAX_AGE_SECONDS } from './auth-service.ts';
import { credentialsOf, principalOf, requireUser, SESSION_COOKIE } from './request-auth.ts';

/**
 * A login takes any password up to the body limit: one too short or too long to be anyone's is simply
 * wrong, and counts toward the failure limit like every other wrong one (a 400 would not be counted).
 */
const LoginBodySchema = CredentialsBodySchema.extend({ password: z.string().max(LIMITS.bodyBytes) });

export function registerAuthRoutes(app: FastifyInstance, auth: AuthService): void {
  const authenticated = { preHandler: requireUser(auth) };

  const setSessionCookie = (reply: FastifyReply, result: AuthResult, secure: boolean) =>
    reply.setCookie(SESSION_COOKIE, result.accessToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: SESSION_MAX_AGE_SECONDS,
    });

  app.get('/api/auth/status', async (request) => {
    const { setupRequired } = await auth.status();
    const principal = await auth.authenticate(credentialsOf(request).token);
    return { setupRequired, user: principal?.user ?? null };
  });

  app.post('/api/auth/setup', async (request, reply) => {
    const result = await auth.setup(parseInput(CredentialsBodySchema, request.body, 'setup'));
    setSessionCookie(reply, result, request.protocol === 'https');
    return reply.code(201).send(result);
  });

  app.post('/api/auth/login', async (request, reply) => {
    const result = await auth.login(parseInput(LoginBodySchema, request.body, 'login'), request.ip);
    setSessionCookie(reply, result, request.protocol === 'https');
    return result;
  });

  app.post('/api/auth/logout', authenticated, async (request, reply) => {
    await auth.logout(principalOf(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.post('/api/auth/password', authenticated, async (request, reply) => {
    const body = parseInput(ChangePasswordBodySchema, request.body, 'password change');
    await auth.changePassword(principalOf(request), body.currentPassword, body.newPassword);
    return reply.code(204).send();
  });

  const requireAdmin = async (request: Parameters<typeof principalOf>[0]) => {
    if (principalOf(request).user.role !== 'admin')
      throw new AppError('forbidden', 'Only an admin may manage users');
  };
  const adminOnly = { preHandler: [requireUser(auth), requireAdmin] };

  app.get('/api/users', adminOnly, async () => ({ users: await auth.listUsers() }));

  app.post('/api/users', adminOnly, async (request, reply) => {
    const user = await auth.createUser(parseInput(CreateUserBodySchema, request.body, 'user'));
    return reply.code(201).send(user);
  });

  app.delete('/api/users/:userId', adminOnly, async (request, reply) => {
    const { userId } = parseInput(IdParamsSchema.user, request.params, 'path');
    await auth.deleteUser(principalOf(request).user, userId);
    return reply.code(204).send();
  });
}
