/**
 * The models this browser sent with most recently (newest first), offered first in "Regenerate with…".
 * Kept in localStorage: a preference of this device, not data the server needs.
 */
const KEY = 'cachibot.recentModels';
export const MAX_RECENT_MODELS = 6;

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // storage disabled (privacy settings): recent models are simply not kept
  }
}

export function recentModels(): string[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** Puts the models first, in the given order, without duplicates, keeping at most `MAX_RECENT_MODELS`. */
export function rememberModels(models: string[]): void {
  if (models.length === 0) return;
  const next = [...new Set([...models, ...recentModels()])].slice(0, MAX_RECENT_MODELS);
  try {
    storage()?.setItem(KEY, JSON.stringify(next));
  } catch {
    // Full or disabled storage: nothing to keep.
  }
}
