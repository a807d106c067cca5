import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { createOllama } from 'ollama-ai-provider-v2';
import type { ProviderSettings } from '../config.ts';
import type { CatalogueEntry } from './catalogue.ts';
import { LocalLanguageModel } from './local/local-language-model.ts';
import type { LocalModelFiles } from './local/local-model-files.ts';
import type { LocalModelPool } from './local/local-model-pool.ts';

/** One model provider: how to call a model and how to list what it offers. */
export interface ProviderAdapter {
  id: string;
  /** Keyed providers list their catalogue models even when discovery fails; local servers do not. */
  keyed: boolean;
  languageModel(modelName: string): LanguageModelV3;
  listModels(signal: AbortSignal): Promise<string[]>;
  /** Facts the provider itself knows about a listed model (the catalogue's entry wins over them). */
  describeModel?(modelName: string): CatalogueEntry | undefined;
}

/**
 * OpenAI-compatible providers beyond OpenAI itself, with their default base URLs. A Map: provider ids
 * come from model ids users type, and `constructor` or `__proto__` must not find Object's members.
 */
const COMPATIBLE_DEFAULTS = new Map<string, string | undefined>([
  ['compatible', undefined],
  ['openrouter', 'https://openrouter.ai/api/v1'],
  ['groq', 'https://api.groq.com/openai/v1'],
  ['google', 'https://generativelanguage.googleapis.com/v1beta/openai'],
  ['mistral', 'https://api.mistral.ai/v1'],
  ['deepseek', 'https://api.deepseek.com/v1'],
  ['xai', 'https://api.x.ai/v1'],
  ['lmstudio', 'http://127.0.0.1:1234/v1'],
]);

const trimSlash = (url: string) => url.replace(/\/+$/, '');

async function getJson(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { headers, signal });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.json();
}

async function listOpenAIStyle(
  baseURL: string,
  apiKey: string | undefined,
  signal: AbortSignal,
): Promise<string[]> {
  const body = (await getJson(
    `${baseURL}/models`,
    apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    signal,
  )) as {
    data?: { id?: unknown }[];
  };
  return (body.data ?? []).map((model) => model.id).filter((id): id is string => typeof id === 'string');
}

function openAIAdapter(settings: ProviderSettings): ProviderAdapter {
  const baseURL = trimSlash(settings.baseURL ?? 'https://api.openai.com/v1');
  const provider = createOpenAI({ apiKey: settings.apiKey, baseURL });
  return {
    id: 'openai',
    keyed: true,
    // Chat Completions, not the Responses API: every OpenAI-compatible server speaks it.
    languageModel: (name) => provider.chat(name),
    listModels: (signal) => listOpenAIStyle(baseURL, settings.apiKey, signal),
  };
}

function anthropicAdapter(settings: ProviderSettings): ProviderAdapter {
  const baseURL = trimSlash(settings.baseURL ?? 'https://api.anthropic.com/v1');
  const provider = createAnthropic({ apiKey: settings.apiKey, baseURL });
  return {
    id: 'anthropic',
    keyed: true,
    languageModel: (name) => provider(name),
    async listModels(signal) {
      const headers = { 'x-api-key': settings.apiKey ?? '', 'anthropic-version': '2023-06-01' };
      const body = (await getJson(`${baseURL}/models?limit=1000`, headers, signal)) as {
        data?: { id?: unknown }[];
      };
      return (body.data ?? []).map((model) => model.id).filter((id): id is string => typeof id === 'string');
    },
  };
}

function ollamaAdapter(settings: ProviderSettings): ProviderAdapter {
  const baseURL = trimSlash(settings.baseURL ?? 'http://127.0.0.1:11434');
  const provider = createOllama({ baseURL: `${baseURL}/api` });
  return {
    id: 'ollama',
    keyed: false,
    languageModel: (name) => provider(name),
    async listModels(signal) {
      const body = (await getJson(`${baseURL}/api/tags`, {}, signal)) as { models?: { name?: unknown }[] };
      return (body.models ?? [])
        .map((model) => model.name)
        .filter((id): id is string => typeof id === 'string');
    },
  };
}

function compatibleAdapter(id: string, settings: ProviderSettings): ProviderAdapter {
  const baseURL = trimSlash(settings.baseURL ?? COMPATIBLE_DEFAULTS.get(id) ?? '');
  const provider = createOpenAICompatible({ name: id, baseURL, apiKey: settings.apiKey, includeUsage: true });
  return {
    id,
    keyed: !!settings.apiKey,
    languageModel: (name) => provider.chatModel(name),
    listModels: (signal) => listOpenAIStyle(baseURL, settings.apiKey, signal),
  };
}

/**
 * In-process GGUF models from the local model folders: no key, no network. Always present; it lists
 * nothing when the folders hold no `.gguf` file.
 */
export function localAdapter(files: LocalModelFiles, pool: LocalModelPool): ProviderAdapter {
  void files.scan(); // warm: context windows are known before the first listing
  return {
    id: 'local',
    keyed: false,
    languageModel: (name) => new LocalLanguageModel(name, { files, pool }),
    listModels: async () => (await files.scan()).map((file) => file.name),
    describeModel(name) {
      const file = files.describe(name);
      return file ? { contextWindow: file.contextWindow } : undefined;
    },
  };
}

export function createProviderAdapter(id: string, settings: ProviderSettings): ProviderAdapter {
  if (id === 'openai') return openAIAdapter(settings);
  if (id === 'anthropic') return anthropicAdapter(settings);
  if (id === 'ollama') return ollamaAdapter(settings);
  return compatibleAdapter(id, settings);
}

/** The configured providers, then `local` last (so a configured provider supplies the default model). */
export function createProviderAdapters(
  providers: Record<string, ProviderSettings>,
  local?: { files: LocalModelFiles; pool: LocalModelPool },
): Map<string, ProviderAdapter> {
  const adapters = new Map(
    Object.entries(providers).map(([id, settings]) => [id, createProviderAdapter(id, settings)]),
  );
  if (local) adapters.set('local', localAdapter(local.files, local.pool));
  return adapters;
}
