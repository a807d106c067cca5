import type { ModelsResponse } from '@cachibot/protocol';
import {
  buildPickerList,
  findModel,
  looksLikeModelId,
  type PickerEntry,
} from '../model-picker/model-list.ts';

export interface RegenerateSection {
  /** Heading of the section, e.g. "This chat's model" or a provider name. */
  label: string;
  entries: PickerEntry[];
}

export interface RegenerateList {
  sections: RegenerateSection[];
  /** Every entry in display order (what the arrow keys walk through). */
  flat: PickerEntry[];
}

export interface RegenerateChoices {
  /** The model the chat answers with now (its remembered model, else the bot's default). */
  chatModel: string | null;
  /** The bot's fallback models, in order. */
  fallbacks: string[];
  /** Models sent with recently on this device, newest first. */
  recent: string[];
}

function matches(id: string, name: string | undefined, terms: string[]): boolean {
  const text = `${id} ${name ?? ''}`.toLowerCase();
  return terms.every((term) => text.includes(term));
}

/**
 * "Regenerate with…" (MODL-07): the chat's model, the bot's fallbacks and the recently used models
 * first, then every model of `GET /api/models` by provider; a search filters all of them, and a typed
 * `provider/model` that is not listed can be used as typed. A model shows once, in its first section.
 */
export function buildRegenerateList(
  catalogue: ModelsResponse | null,
  query: string,
  choices: RegenerateChoices,
): RegenerateList {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = new Set<string>();
  const sections: RegenerateSection[] = [];
  const section = (label: string, ids: (string | null | undefined)[]) => {
    const entries: PickerEntry[] = [];
    for (const id of ids) {
      if (!id || shown.has(id)) continue;
      const model = findModel(catalogue, id);
      if (!matches(id, model?.name, terms)) continue;
      shown.add(id);
      entries.push({ kind: 'model', id, label: id, model });
    }
    if (entries.length > 0) sections.push({ label, entries });
  };
  section("This chat's model", [choices.chatModel]);
  section('Fallback models', choices.fallbacks);
  section('Recently used', choices.recent);
  const all = buildPickerList(catalogue, query, '');
  for (const group of all.groups) {
    const entries = group.entries.filter((entry) => !shown.has(entry.id));
    for (const entry of entries) shown.add(entry.id);
    if (entries.length > 0) sections.push({ label: group.provider, entries });
  }
  const typed = query.trim();
  if (typed && !shown.has(typed) && !findModel(catalogue, typed) && looksLikeModelId(typed))
    sections.push({
      label: 'Not in the list',
      entries: [{ kind: 'manual', id: typed, label: `Use ${typed}` }],
    });
  return { sections, flat: sections.flatMap((item) => item.entries) };
}
