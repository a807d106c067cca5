import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { credentialsOf } from './request-auth.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isJson = (contentType: string | undefined) =>
  contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';

/**
 * onRequest hook against cross-site request forgery. The session cookie is SameSite=Lax, which a
 * sibling origin (another subdomain of the same site) still receives; so a state-changing request
 * that authenticates by cookie must also show it comes from our page: a JSON body (a page elsewhere
 * cannot send one without a CORS preflight, which we never grant), or a same-origin `Origin` /
 * `Sec-Fetch-Site: same-origin`. Before, a body-less POST from a sibling origin logged the user out.
 * Bearer-token requests are exempt: a browser never attaches a token by itself.
 *
 * `isAllowedOrigin`: the WebSocket gateway's rule (same origin, or listed in CACHIBOT_ALLOWED_ORIGINS).
 */
export function refuseCrossSiteCookieWrites(isAllowedOrigin: (request: FastifyRequest) => boolean) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!STATE_CHANGING.has(request.method)) return;
    if (credentialsOf(request).via !== 'cookie') return;
    if (isJson(request.headers['content-type'])) return;
    if (request.headers['sec-fetch-site'] === 'same-origin') return;
    if (isAllowedOrigin(request)) return;
    throw new AppError(
      'forbidden',
      'Cross-site request refused: a request signed in by cookie must send JSON or come from this origin',
    );
  };
}
