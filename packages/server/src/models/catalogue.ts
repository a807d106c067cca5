import type { ModelInfo, Pricing } from '@cachibot/protocol';
import shipped from './catalogue.json' with { type: 'json' };

export interface CatalogueEntry {
  name?: string;
  contextWindow?: number;
  maxOutputTokens?: number;
  pricing?: Pricing;
  capabilities?: ModelInfo['capabilities'];
}

export interface Catalogue {
  version: string;
  get(modelId: string): CatalogueEntry | undefined;
  /** Model ids the catalogue knows for one provider (listed even when discovery is unavailable). */
  idsFor(provider: string): string[];
}

export function createCatalogue(
  data: { version: string; models: Record<string, CatalogueEntry> } = shipped as {
    version: string;
    models: Record<string, CatalogueEntry>;
  },
): Catalogue {
  const models = new Map(Object.entries(data.models));
  return {
    version: data.version,
    get: (modelId) => models.get(modelId),
    idsFor: (provider) => [...models.keys()].filter((id) => id.startsWith(`${provider}/`)),
  };
}
