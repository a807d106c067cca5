import type { Db } from '../db/database.ts';
import type { TeamTemplateTable } from '../db/schema.ts';

/** A published snapshot with its publisher's username. */
export type TeamTemplateRow = TeamTemplateTable & { username: string };

/** How many team templates the gallery lists at most (newest first). */
export const TEAM_TEMPLATES_LISTED = 500;

export class TeamTemplateRepository {
  constructor(private readonly db: Db) {}

  /** Every published snapshot of the instance, newest first. */
  list(): Promise<TeamTemplateRow[]> {
    return this.db
      .selectFrom('team_templates')
      .innerJoin('users', 'users.id', 'team_templates.user_id')
      .selectAll('team_templates')
      .select('users.username')
      .orderBy('team_templates.published_at', 'desc')
      .orderBy('team_templates.id', 'desc')
      .limit(TEAM_TEMPLATES_LISTED)
      .execute();
  }

  findById(id: string): Promise<TeamTemplateRow | undefined> {
    return this.db
      .selectFrom('team_templates')
      .innerJoin('users', 'users.id', 'team_templates.user_id')
      .selectAll('team_templates')
      .select('users.username')
      .where('team_templates.id', '=', id)
      .executeTakeFirst();
  }

  /**
   * Publishes a bot's snapshot, or replaces the one it has (one statement, so concurrent publishes of
   * one bot leave one row). The template keeps its id across re-publishing, and its tags unless
   * `replaceTags`.
   */
  async upsert(row: TeamTemplateTable, replaceTags: boolean): Promise<TeamTemplateTable> {
    const { id: _id, bot_id: _botId, tags, ...snapshot } = row;
    return this.db
      .insertInto('team_templates')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('bot_id').doUpdateSet(replaceTags ? { ...snapshot, tags } : snapshot),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Only the publisher's own snapshot: false when the bot has none (or is someone else's). */
  async deleteForBot(userId: string, botId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('team_templates')
      .where('bot_id', '=', botId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
