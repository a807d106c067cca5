import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelInfo, ModelsResponse } from '@cachibot/protocol';
import type { ProviderSettings } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Catalogue } from './catalogue.ts';
import { createProviderAdapter, type ProviderAdapter } from './providers.ts';

interface ProviderListing {
  modelIds: string[];
  available: boolean;
  error?: string;
  fetchedAt: number;
}

export interface DirectoryOptions {
  ttlMs: number;
  discoveryTimeoutMs: number;
  defaultModel?: string;
}

export function splitModelId(modelId: string): { provider: string; name: string } {
  const slash = modelId.indexOf('/');
  return slash <= 0
    ? { provider: '', name: modelId }
    : { provider: modelId.slice(0, slash), name: modelId.slice(slash + 1) };
}

/**
 * Which models exist: live lists from each configured provider (cached per provider, refreshed in the
 * background, never waiting on a dead provider for longer than the discovery timeout) merged with the
 * shipped catalogue of context windows and prices.
 */
export class ModelDirectory {
  private readonly listings = new Map<string, ProviderListing>();
  private readonly inflight = new Map<string, Promise<ProviderListing>>();
  /** Maps, never plain objects, keyed by provider: `constructor/x` must not find Object's members. */
  private readonly globalSettings: Map<string, ProviderSettings>;

  constructor(
    private readonly adapters: Map<string, ProviderAdapter>,
    readonly catalogue: Catalogue,
    private readonly options: DirectoryOptions,
    globalSettings: Record<string, ProviderSettings> = {},
  ) {
    this.globalSettings = new Map(Object.entries(globalSettings));
  }

  get providerIds(): string[] {
    return [...this.adapters.keys()];
  }

  async list(refresh = false): Promise<ModelsResponse> {
    const listings = await Promise.all(
      this.providerIds.map(async (id) => [id, await this.listing(id, refresh)] as const),
    );
    const groups: Record<string, ModelInfo[]> = {};
    for (const [id, listing] of listings) {
      const ids = listing.modelIds.map((name) => `${id}/${name}`);
      if (this.adapters.get(id)?.keyed) ids.push(...this.catalogue.idsFor(id));
      const unique = [...new Set(ids)].sort();
      if (unique.length > 0) groups[id] = unique.map((modelId) => this.info(modelId));
    }
    return {
      default: this.defaultFrom(groups),
      groups,
      catalogueVersion: this.catalogue.version,
      providers: listings.map(([id, listing]) => ({
        id,
        available: listing.available,
        ...(listing.error ? { error: listing.error } : {}),
      })),
    };
  }

  /** The system default: configured, else the first model of the first provider that has one. */
  async defaultModel(): Promise<string | null> {
    if (this.options.defaultModel) return this.options.defaultModel;
    return (await this.list()).default;
  }

  info(modelId: string): ModelInfo {
    const { provider, name } = splitModelId(modelId);
    const entry = { ...this.adapters.get(provider)?.describeModel?.(name), ...this.catalogue.get(modelId) };
    return {
      id: modelId,
      provider,
      name: entry?.name ?? name,
      ...(entry?.contextWindow ? { contextWindow: entry.contextWindow } : {}),
      ...(entry?.maxOutputTokens ? { maxOutputTokens: entry.maxOutputTokens } : {}),
      ...(entry?.pricing ? { pricing: entry.pricing } : {}),
      ...(entry?.capabilities ? { capabilities: entry.capabilities } : {}),
    };
  }

  /**
   * The AI SDK model for a `provider/model` id; an unconfigured provider is a clear client error.
   * `botSettings` (a bot's own key or base URL) take precedence over the global provider settings.
   */
  languageModel(modelId: string, botSettings: Record<string, ProviderSettings> = {}): LanguageModelV3 {
    const { provider, name } = splitModelId(modelId);
    const own = new Map(Object.entries(botSettings)).get(provider);
    const adapter = own && name ? this.adapterWith(provider, own) : this.adapters.get(provider);
    if (!adapter || !name) {
      const configured = this.providerIds.join(', ') || 'none';
      throw new AppError(
        'bad_request',
        `Unknown provider "${provider || modelId}" in model id "${modelId}"; configured providers: ${configured}`,
      );
    }
    return adapter.languageModel(name);
  }

  private adapterWith(provider: string, own: ProviderSettings): ProviderAdapter {
    const global = this.globalSettings.get(provider) ?? {};
    return createProviderAdapter(provider, { ...global, ...own });
  }

  private defaultFrom(groups: Record<string, ModelInfo[]>): string | null {
    if (this.options.defaultModel) return this.options.defaultModel;
    for (const id of this.providerIds) {
      const first = groups[id]?.[0];
      if (first) return first.id;
    }
    return null;
  }

  private async listing(id: string, refresh: boolean): Promise<ProviderListing> {
    const cached = this.listings.get(id);
    const fresh = cached && Date.now() - cached.fetchedAt < this.options.ttlMs;
    if (cached && fresh && !refresh) return cached;
    const pending = this.inflight.get(id) ?? this.fetchListing(id);
    this.inflight.set(id, pending);
    // A stale listing answers at once while the refresh runs in the background.
    if (cached && !refresh) return cached;
    return pending;
  }

  private async fetchListing(id: string): Promise<ProviderListing> {
    const adapter = this.adapters.get(id);
    let listing: ProviderListing;
    try {
      if (!adapter) throw new Error('not configured');
      const modelIds = await adapter.listModels(AbortSignal.timeout(this.options.discoveryTimeoutMs));
      listing = { modelIds, available: true, fetchedAt: Date.now() };
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      listing = { modelIds: [], available: false, error: `model list ${reason}`, fetchedAt: Date.now() };
    } finally {
      this.inflight.delete(id);
    }
    this.listings.set(id, listing);
    return listing;
  }
}
