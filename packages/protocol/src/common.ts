import { z } from 'zod';
import { LIMITS } from './limits.ts';

/** `provider/model`: the provider part is a lower-case slug, the rest is passed to the provider unchanged. */
export const ModelIdSchema = z
  .string()
  .max(LIMITS.modelIdChars)
  .regex(/^[a-z0-9][a-z0-9_-]*\/\S.*$/, 'must look like "provider/model"');

export const IdSchema = z.string().min(1).max(100);
export const IsoDateSchema = z.string();

export const ErrorCodeSchema = z.enum([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'provider_error',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorInfoSchema = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export const ErrorBodySchema = z.object({
  error: z.object({ code: ErrorCodeSchema, message: z.string(), details: z.unknown().optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
