import type { z } from 'zod';
import { AppError } from './errors.ts';

/** Parses input with a protocol schema; a failure names every wrong field (`details`). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    // PostgreSQL text cannot hold U+0000; refuse it everywhere so both databases behave alike.
    const nulAt = findNul(result.data, []);
    if (nulAt) {
      const path = nulAt.join('.');
      throw new AppError(
        'bad_request',
        `Invalid ${what}: ${path ? `${path}: ` : ''}must not contain NUL characters`,
        [{ path, message: 'must not contain NUL characters', code: 'invalid_string' }],
      );
    }
    return result.data;
  }
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
    code: issue.code,
  }));
  const first = details[0];
  const where = first?.path ? `${first.path}: ` : '';
  throw new AppError('bad_request', `Invalid ${what}: ${where}${first?.message ?? 'invalid input'}`, details);
}

function findNul(value: unknown, path: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, [...path, index]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
