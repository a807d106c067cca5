import type { z } from 'zod';
import { AppError } from './errors.ts';

/** Parses input with a protocol schema; a failure names every wrong field (`details`). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
    code: issue.code,
  }));
  const first = details[0];
  const where = first?.path ? `${first.path}: ` : '';
  throw new AppError('bad_request', `Invalid ${what}: ${where}${first?.message ?? 'invalid input'}`, details);
}
