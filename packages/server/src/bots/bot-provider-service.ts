import type { BotProviderSetting, PutBotProviderBody, User } from '@cachibot/protocol';
import type { ProviderSettings } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { BotProviderSettingsTable } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { nowIso } from '../ids.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { BotService } from './bot-service.ts';

const toSetting = (row: BotProviderSettingsTable): BotProviderSetting => ({
  provider: row.provider,
  apiKeySet: row.api_key_sealed !== null,
  ...(row.api_key_last4 ? { apiKeyLast4: row.api_key_last4 } : {}),
  ...(row.base_url ? { baseURL: row.base_url } : {}),
  updatedAt: row.updated_at,
});

/**
 * A bot's own provider keys and base URLs, used instead of the global ones for that bot's turns.
 * Keys are sealed with AES-256-GCM and never leave the server: the browser sees "set" and the last 4.
 */
export class BotProviderService {
  constructor(
    private readonly db: Db,
    private readonly bots: BotService,
    private readonly box: SecretBox,
  ) {}

  async list(userId: string, botId: string): Promise<BotProviderSetting[]> {
    await this.bots.getOwnedRow(userId, botId);
    const rows = await this.db
      .selectFrom('bot_provider_settings')
      .selectAll()
      .where('bot_id', '=', botId)
      .orderBy('provider')
      .execute();
    return rows.map(toSetting);
  }

  async put(
    user: User,
    botId: string,
    provider: string,
    body: PutBotProviderBody,
  ): Promise<BotProviderSetting> {
    await this.bots.getOwnedRow(user.id, botId);
    // A base URL makes the server connect wherever it points: only an admin may set one.
    if (body.baseURL !== undefined && user.role !== 'admin') {
      throw new AppError('forbidden', 'Only an admin may set a provider base URL');
    }
    const now = nowIso();
    const sealed = body.apiKey !== undefined ? this.box.seal(body.apiKey) : null;
    const last4 = body.apiKey !== undefined ? body.apiKey.slice(-4) : null;
    // One statement: what the body leaves out keeps its stored value, even with PUTs racing each other.
    const row = await this.db
      .insertInto('bot_provider_settings')
      .values({
        bot_id: botId,
        provider,
        api_key_sealed: sealed,
        api_key_last4: last4,
        base_url: body.baseURL ?? null,
        updated_at: now,
      })
      .onConflict((conflict) =>
        conflict.columns(['bot_id', 'provider']).doUpdateSet({
          ...(body.apiKey !== undefined ? { api_key_sealed: sealed, api_key_last4: last4 } : {}),
          ...(body.baseURL !== undefined ? { base_url: body.baseURL } : {}),
          updated_at: now,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSetting(row);
  }

  async remove(userId: string, botId: string, provider: string): Promise<void> {
    await this.bots.getOwnedRow(userId, botId);
    const result = await this.db
      .deleteFrom('bot_provider_settings')
      .where('bot_id', '=', botId)
      .where('provider', '=', provider)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('Provider setting');
  }

  /** Decrypted settings for the turn engine only. */
  async settingsFor(botId: string): Promise<Record<string, ProviderSettings>> {
    const rows = await this.db
      .selectFrom('bot_provider_settings')
      .selectAll()
      .where('bot_id', '=', botId)
      .execute();
    const settings: Record<string, ProviderSettings> = {};
    for (const row of rows) {
      settings[row.provider] = {
        ...(row.api_key_sealed ? { apiKey: this.openKey(row.api_key_sealed, row.provider) } : {}),
        ...(row.base_url ? { baseURL: row.base_url } : {}),
      };
    }
    return settings;
  }

  /** A key sealed under another secret key (CACHIBOT_SECRET_KEY changed) cannot be opened: say so. */
  private openKey(sealed: string, provider: string): string {
    try {
      return this.box.open(sealed);
    } catch {
      throw new AppError(
        'bad_request',
        `This bot's saved ${provider} API key cannot be decrypted with the server's current secret key (CACHIBOT_SECRET_KEY or <data dir>/secret.key changed); save the key again`,
      );
    }
  }
}

/** Saved provider keys that are sealed: checked at start when the secret key file is missing. */
export async function countSealedProviderKeys(db: Db): Promise<number> {
  const row = await db
    .selectFrom('bot_provider_settings')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('api_key_sealed', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
