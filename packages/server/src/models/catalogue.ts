import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelInfo, Pricing } from '@cachibot/protocol';
import { z } from 'zod';
import shipped from './catalogue.json' with { type: 'json' };

export interface CatalogueEntry {
  name?: string;
  contextWindow?: number;
  maxOutputTokens?: number;
  pricing?: Pricing;
  capabilities?: ModelInfo['capabilities'];
}

/** The catalogue file's shape: the shipped `catalogue.json` and the user's `prices.json` alike. */
export interface CatalogueData {
  version: string;
  /** Entries that apply to every model of a provider (e.g. `local`: cost 0); a model's own entry wins. */
  providers?: Record<string, CatalogueEntry>;
  models: Record<string, CatalogueEntry>;
}

export interface Catalogue {
  version: string;
  get(modelId: string): CatalogueEntry | undefined;
  /** Model ids the catalogue knows for one provider (listed even when discovery is unavailable). */
  idsFor(provider: string): string[];
}

/** The user's price overrides, next to the database. */
export const PRICE_OVERRIDES_FILE = 'prices.json';

const perMTok = z.number().nonnegative();
const EntrySchema = z.strictObject({
  name: z.string().min(1).optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  pricing: z
    .strictObject({ inputPerMTok: perMTok, outputPerMTok: perMTok, cachedInputPerMTok: perMTok.optional() })
    .optional(),
  capabilities: z
    .strictObject({
      tools: z.boolean().optional(),
      vision: z.boolean().optional(),
      reasoning: z.boolean().optional(),
    })
    .optional(),
});
const ProviderIdSchema = z.string().regex(/^[^/\s]+$/, 'a provider id such as "openai" (no "/")');
const ModelIdSchema = z.string().regex(/^[^/\s]+\/\S.*$/, 'a model id "provider/model"');
/** `version` and `note` are accepted so a copy of the shipped catalogue is a valid starting point. */
const OverridesSchema = z.strictObject({
  version: z.string().optional(),
  note: z.string().optional(),
  providers: z.record(ProviderIdSchema, EntrySchema).optional(),
  models: z.record(ModelIdSchema, EntrySchema).optional(),
});
export type PriceOverrides = z.infer<typeof OverridesSchema>;

export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

export function createCatalogue(data: CatalogueData = shipped as CatalogueData): Catalogue {
  const models = new Map(Object.entries(data.models));
  const providers = new Map(Object.entries(data.providers ?? {}));
  return {
    version: data.version,
    get(modelId) {
      const slash = modelId.indexOf('/');
      const common = slash > 0 ? providers.get(modelId.slice(0, slash)) : undefined;
      const own = models.get(modelId);
      return common || own ? { ...common, ...own } : undefined;
    },
    idsFor: (provider) => [...models.keys()].filter((id) => id.startsWith(`${provider}/`)),
  };
}

/** `source.key.path` with keys that are not plain words quoted: `models["openai/gpt-4o"].pricing`. */
function issuePath(issuePath: PropertyKey[]): string {
  return issuePath
    .map((key, index) => {
      const text = String(key);
      if (typeof key === 'number') return `[${text}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(text)) return index === 0 ? text : `.${text}`;
      return `[${JSON.stringify(text)}]`;
    })
    .join('');
}

/** Parses and validates a price override file; every problem is named with its place in the file. */
export function parsePriceOverrides(text: string, source: string): PriceOverrides {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CatalogueError(
      `Invalid price overrides in ${source}: not valid JSON (${(error as Error).message})`,
    );
  }
  const parsed = OverridesSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // A bad record key reports "Invalid key in record"; the key's own issues say what was expected.
      const nested =
        issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join(', ') : '';
      return `${issuePath(issue.path) || '(top level)'}: ${nested ? `invalid key, expected ${nested}` : issue.message}`;
    });
    throw new CatalogueError(`Invalid price overrides in ${source}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * The shipped catalogue with the overrides laid over it, entry by entry: an override entry replaces the
 * fields it names (a `pricing` object as a whole) and keeps the others. The version says that the
 * prices are no longer the shipped ones, and which override file was used.
 */
export function mergeCatalogue(
  base: CatalogueData,
  overrides: PriceOverrides,
  overridesText: string,
): CatalogueData {
  const layer = (under: Record<string, CatalogueEntry> = {}, over: Record<string, CatalogueEntry> = {}) => {
    const merged: Record<string, CatalogueEntry> = { ...under };
    for (const [id, entry] of Object.entries(over)) merged[id] = { ...under[id], ...entry };
    return merged;
  };
  const hash = createHash('sha256').update(overridesText).digest('hex').slice(0, 8);
  return {
    version: `${base.version}+local.${hash}`,
    providers: layer(base.providers, overrides.providers),
    models: layer(base.models, overrides.models),
  };
}

/** The catalogue in effect: the shipped one, with `<dataDir>/prices.json` merged over it when present. */
export async function loadCatalogue(
  dataDir: string,
  base: CatalogueData = shipped as CatalogueData,
): Promise<Catalogue> {
  const file = path.join(dataDir, PRICE_OVERRIDES_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return createCatalogue(base);
    throw new CatalogueError(`Cannot read price overrides ${file}: ${(error as Error).message}`);
  }
  return createCatalogue(mergeCatalogue(base, parsePriceOverrides(text, file), text));
}
