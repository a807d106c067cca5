import type { UsageQuery, UsageResponse, UsageRow } from '@cachibot/protocol';
import { AppError } from '../errors.ts';
import {
  compareRows,
  emptyGroup,
  groupRows,
  mergeInto,
  toUsageRow,
  type UsageGroup,
} from './usage-aggregate.ts';
import { resolveRange, utcToday } from './usage-range.ts';
import type { UsageKeyColumn, UsageRepository } from './usage-repository.ts';

/** Who asks: everyone sees their own answers; an admin may ask for everyone's and by user. */
export interface UsageViewer {
  id: string;
  role: 'admin' | 'user';
}

const KEY_COLUMN: Record<UsageQuery['groupBy'], UsageKeyColumn> = {
  model: 'model',
  bot: 'bot_id',
  day: 'day',
  user: 'user_id',
};

const DELETED_BOT = '(deleted bot)';

export class UsageService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly modelName: (modelId: string) => string,
    private readonly today: () => string = () => utcToday(),
  ) {}

  /** Sums and percentiles per group over the stored answers of the range (see docs/api.md). */
  async report(viewer: UsageViewer, query: UsageQuery): Promise<UsageResponse> {
    if (viewer.role !== 'admin' && query.scope === 'all')
      throw new AppError('forbidden', "Only an admin may see everyone's usage");
    if (viewer.role !== 'admin' && query.groupBy === 'user')
      throw new AppError('forbidden', 'Only an admin may see usage by user');
    const range = resolveRange(query, this.today());
    const filter = { ...range, ...(query.scope === 'me' ? { userId: viewer.id } : {}) };
    const keys: UsageKeyColumn[] = query.groupBy === 'day' ? ['day', 'model'] : [KEY_COLUMN[query.groupBy]];
    const [sumRows, bucketRows] = await Promise.all([
      this.usage.sums(filter, keys),
      this.usage.buckets(filter, keys),
    ]);
    const groups = groupRows(sumRows, bucketRows);
    const totals = emptyGroup();
    for (const group of groups.values()) mergeInto(totals, group);
    const rows = query.groupBy === 'day' ? this.dayRows(groups) : await this.keyedRows(query.groupBy, groups);
    return {
      ...range,
      groupBy: query.groupBy,
      scope: query.scope,
      rows,
      totals: toUsageRow('total', totals),
    };
  }

  /** Days in calendar order, each with its split by model. */
  private dayRows(groups: Map<string, UsageGroup>): UsageRow[] {
    const days = new Map<string, { group: UsageGroup; byModel: UsageRow[] }>();
    for (const [id, group] of groups) {
      const [day = '', model = ''] = id.split('\u0000');
      const entry = days.get(day) ?? { group: emptyGroup(), byModel: [] };
      days.set(day, entry);
      mergeInto(entry.group, group);
      entry.byModel.push(toUsageRow(model, group, this.modelName(model)));
    }
    return [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, entry]) => ({ ...toUsageRow(day, entry.group), byModel: entry.byModel.sort(compareRows) }));
  }

  private async keyedRows(
    groupBy: Exclude<UsageQuery['groupBy'], 'day'>,
    groups: Map<string, UsageGroup>,
  ): Promise<UsageRow[]> {
    const ids = [...groups.keys()];
    const labels =
      groupBy === 'bot'
        ? await this.usage.botNames(ids)
        : groupBy === 'user'
          ? await this.usage.usernames(ids)
          : new Map(ids.map((id) => [id, this.modelName(id)]));
    const fallback = groupBy === 'bot' ? DELETED_BOT : undefined;
    return [...groups.entries()]
      .map(([id, group]) => toUsageRow(id, group, labels.get(id) ?? fallback))
      .sort(compareRows);
  }
}
