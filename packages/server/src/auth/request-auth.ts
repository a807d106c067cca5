import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AuthService, Principal } from './auth-service.ts';

export const SESSION_COOKIE = 'cachibot_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface RequestCredentials {
  token?: string;
  via: 'bearer' | 'cookie' | 'none';
}

/** A bearer header wins over the cookie; scripts use one, browsers the other. */
export function credentialsOf(request: FastifyRequest): RequestCredentials {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return { token: header.slice(7).trim(), via: 'bearer' };
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (cookie) return { token: cookie, via: 'cookie' };
  return { via: 'none' };
}

/** preHandler for every authenticated route: sets `request.principal` or answers 401. */
export function requireUser(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = await auth.authenticate(credentialsOf(request).token);
    if (!principal) throw new AppError('unauthorized', 'Log in first');
    request.principal = principal;
  };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', 'Log in first');
  return request.principal;
}
