import type { Db } from '../db/database.ts';
import type { BudgetTable } from '../db/schema.ts';

export type BudgetScope = BudgetTable['scope'];

/** A subject's priced spend of one month, and its costliest answer per model (for estimates). */
export interface MonthSpend {
  spentMicros: number;
  maxMicrosByModel: Map<string, number>;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

export class BudgetRepository {
  constructor(private readonly db: Db) {}

  async find(scope: BudgetScope, subjectId: string): Promise<BudgetTable | undefined> {
    const row = await this.db
      .selectFrom('budgets')
      .selectAll()
      .where('scope', '=', scope)
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    return row ? { ...row, monthly_micros: Number(row.monthly_micros) } : undefined;
  }

  /** The user's budget and the bot's, as far as they exist (one query). */
  async findForTurn(userId: string, botId: string): Promise<BudgetTable[]> {
    const rows = await this.db
      .selectFrom('budgets')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('scope', '=', 'user'), eb('subject_id', '=', userId)]),
          eb.and([eb('scope', '=', 'bot'), eb('subject_id', '=', botId)]),
        ]),
      )
      .execute();
    return rows.map((row) => ({ ...row, monthly_micros: Number(row.monthly_micros) }));
  }

  async put(row: BudgetTable): Promise<void> {
    const { scope: _scope, subject_id: _subject, ...changes } = row;
    await this.db
      .insertInto('budgets')
      .values(row)
      .onConflict((conflict) => conflict.columns(['scope', 'subject_id']).doUpdateSet(changes))
      .execute();
  }

  async delete(scope: BudgetScope, subjectId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('budgets')
      .where('scope', '=', scope)
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Priced answers from `fromDay` to `toDay` (both included) of the user's or the bot's. */
  async monthSpend(
    scope: BudgetScope,
    subjectId: string,
    fromDay: string,
    toDay: string,
  ): Promise<MonthSpend> {
    const rows = await this.db
      .selectFrom('usage_daily')
      .select(['model'])
      .select((eb) => [eb.fn.sum('cost_micros').as('spent'), eb.fn.max('max_cost_micros').as('max')])
      .where(scope === 'user' ? 'user_id' : 'bot_id', '=', subjectId)
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .groupBy('model')
      .execute();
    let spentMicros = 0;
    const maxMicrosByModel = new Map<string, number>();
    for (const row of rows) {
      spentMicros += num(row.spent);
      if (num(row.max) > 0) maxMicrosByModel.set(row.model, num(row.max));
    }
    return { spentMicros, maxMicrosByModel };
  }

  async userExists(userId: string): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    return row !== undefined;
  }
}
