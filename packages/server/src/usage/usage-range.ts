import { USAGE_MAX_RANGE_DAYS, type UsageQuery } from '@cachibot/protocol';
import { badRequest } from '../errors.ts';

const DAY_MS = 86_400_000;

export const utcToday = (now = Date.now()): string => new Date(now).toISOString().slice(0, 10);
export const monthStart = (day: string): string => `${day.slice(0, 7)}-01`;

export function monthEnd(day: string): string {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

const invalid = (path: 'from' | 'to', message: string) =>
  badRequest(`Invalid query: ${path}: ${message}`, [{ path, message, code: 'invalid_range' }]);

/**
 * The days a usage query covers, both ends included: the given ones, else the month of the one that
 * is given, else the current UTC month. At most `USAGE_MAX_RANGE_DAYS` days.
 */
export function resolveRange(
  query: Pick<UsageQuery, 'from' | 'to'>,
  today: string,
): { from: string; to: string } {
  const from = query.from ?? monthStart(query.to ?? today);
  const to = query.to ?? monthEnd(query.from ?? today);
  if (from > to) throw invalid('from', 'must not be after to');
  if (dayNumber(to) - dayNumber(from) + 1 > USAGE_MAX_RANGE_DAYS)
    throw invalid('to', `the range may cover at most ${USAGE_MAX_RANGE_DAYS} days`);
  return { from, to };
}
