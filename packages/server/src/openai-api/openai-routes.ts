import { ChatCompletionRequestSchema } from '@cachibot/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiCaller, ApiKeyService } from '../auth/api-key-service.ts';
import { credentialsOf } from '../auth/request-auth.ts';
import { parseInput } from '../validation.ts';
import { type ApiModels, modelNotFound } from './api-models.ts';
import { sendCompletion, streamCompletion } from './completion-responses.ts';
import { CHAT_ID_HEADER, type CompletionService } from './completion-service.ts';
import { OpenAIApiError, toOpenAIError } from './openai-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiCaller?: ApiCaller;
  }
}

export interface OpenAIRouteDeps {
  keys: ApiKeyService;
  models: ApiModels;
  completions: CompletionService;
}

const invalidKey = () =>
  new OpenAIApiError(
    'unauthorized',
    'Incorrect API key provided. Create a personal API key in Cachibot (API keys) and send it as "Authorization: Bearer <key>".',
    'invalid_api_key',
  );

function callerOf(request: FastifyRequest): ApiCaller {
  if (!request.apiCaller) throw invalidKey();
  return request.apiCaller;
}

/**
 * `/v1`: OpenAI's Chat Completions API over Cachibot's bots and models, for OpenAI clients. Its own
 * plugin scope, so that its errors — and its 404s — come in OpenAI's shape, and it authenticates
 * with personal API keys only (never the session cookie: no cross-site request can use it).
 */
export async function registerOpenAIRoutes(app: FastifyInstance, deps: OpenAIRouteDeps): Promise<void> {
  await app.register(
    async (v1) => {
      v1.setErrorHandler((error, request, reply) => {
        const { status, body, known, retryAfterSeconds } = toOpenAIError(error);
        if (!known) request.log.error({ err: error }, 'request failed');
        if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds));
        return reply.code(status).send(body);
      });
      v1.setNotFoundHandler((request, reply) =>
        reply.code(404).send({
          error: {
            message: `Unknown request URL: ${request.method} ${request.url.split('?')[0]}`,
            type: 'invalid_request_error',
            param: null,
            code: 'unknown_url',
          },
        }),
      );
      // Before the body is read: a call without a valid key learns nothing about its body.
      v1.addHook('onRequest', async (request) => {
        const { token, via } = credentialsOf(request);
        const caller = via === 'bearer' ? await deps.keys.authenticate(token) : null;
        if (!caller) throw invalidKey();
        request.apiCaller = caller;
      });

      v1.get('/models', async (request) => ({
        object: 'list',
        data: await deps.models.list(callerOf(request).user.id),
      }));

      // OpenAI clients encode the id's `/` (`openai%2Fgpt-4o`); typed by hand it is a second segment.
      const retrieve = async (request: FastifyRequest, id: string) => {
        const found = (await deps.models.list(callerOf(request).user.id)).find((model) => model.id === id);
        if (!found) throw modelNotFound(id);
        return found;
      };
      v1.get('/models/:modelId', async (request) =>
        retrieve(request, (request.params as { modelId: string }).modelId),
      );
      v1.get('/models/:provider/:name', async (request) => {
        const { provider, name } = request.params as { provider: string; name: string };
        return retrieve(request, `${provider}/${name}`);
      });

      v1.post('/chat/completions', async (request, reply) => {
        const receivedAt = Date.now();
        const body = parseInput(ChatCompletionRequestSchema, request.body, 'request');
        const header = request.headers[CHAT_ID_HEADER];
        const chatId = Array.isArray(header) ? header[0] : header;
        const started = await deps.completions.start(callerOf(request).user.id, body, {
          receivedAt,
          ...(chatId ? { chatId } : {}),
        });
        reply.header(CHAT_ID_HEADER, started.chatId);
        if (body.stream)
          return streamCompletion(reply, started, receivedAt, body.stream_options?.include_usage === true);
        return sendCompletion(reply, started, receivedAt);
      });
    },
    { prefix: '/v1' },
  );
}
