import { ModelIdSchema, type ModelInfo, type ModelsResponse } from '@cachibot/protocol';

export interface PickerEntry {
  kind: 'default' | 'model' | 'manual';
  /** The model id sent with the message; `''` for the bot default. */
  id: string;
  label: string;
  model?: ModelInfo;
}

export interface PickerGroup {
  provider: string;
  /** How many of the provider's models match the search. */
  count: number;
  entries: PickerEntry[];
}

export interface PickerList {
  defaultEntry: PickerEntry | null;
  groups: PickerGroup[];
  manualEntry: PickerEntry | null;
  /** Every entry in display order: what the arrow keys walk through. */
  flat: PickerEntry[];
  /** Models known at all (0 = no provider configured). */
  totalModels: number;
}

function matches(haystack: string, terms: string[]): boolean {
  const text = haystack.toLowerCase();
  return terms.every((term) => text.includes(term));
}

/** Whether the text is a complete `provider/model` id that could be sent as typed. */
export function looksLikeModelId(text: string): boolean {
  return ModelIdSchema.safeParse(text).success;
}

/**
 * The picker's entries for a search: the bot default first, then the matching models grouped by
 * provider (providers and models in name order), then "Use <id>" for a typed id that is not listed.
 */
export function buildPickerList(
  catalogue: ModelsResponse | null,
  query: string,
  defaultLabel: string,
): PickerList {
  const typed = query.trim();
  const terms = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const groupsByProvider = catalogue?.groups ?? {};
  let totalModels = 0;
  let exactMatch = false;
  const groups: PickerGroup[] = [];
  for (const provider of Object.keys(groupsByProvider).sort()) {
    const models = groupsByProvider[provider] ?? [];
    totalModels += models.length;
    exactMatch ||= models.some((model) => model.id === typed);
    const entries = models
      .filter((model) => matches(`${model.id} ${model.name} ${model.provider}`, terms))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((model): PickerEntry => ({ kind: 'model', id: model.id, label: model.id, model }));
    if (entries.length > 0) groups.push({ provider, count: entries.length, entries });
  }
  const defaultEntry: PickerEntry | null = matches(`bot default ${defaultLabel}`, terms)
    ? { kind: 'default', id: '', label: `Bot default (${defaultLabel})` }
    : null;
  const manualEntry: PickerEntry | null =
    typed && !exactMatch && looksLikeModelId(typed)
      ? { kind: 'manual', id: typed, label: `Use ${typed}` }
      : null;
  const flat = [
    ...(defaultEntry ? [defaultEntry] : []),
    ...groups.flatMap((group) => group.entries),
    ...(manualEntry ? [manualEntry] : []),
  ];
  return { defaultEntry, groups, manualEntry, flat, totalModels };
}

/** Finds a model's catalogue entry (for labels and prices of the picked model). */
export function findModel(
  catalogue: ModelsResponse | null,
  id: string | null | undefined,
): ModelInfo | undefined {
  if (!catalogue || !id) return undefined;
  for (const models of Object.values(catalogue.groups)) {
    const found = models.find((model) => model.id === id);
    if (found) return found;
  }
  return undefined;
}
