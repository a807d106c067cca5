/**
 * The opaque `cursor` of a keyset-paged list: the sort key of a page's last row as base64url JSON,
 * tagged with the list's name so one list's cursor is refused by another (clients must not build one).
 */
export interface ListKey {
  /** A 0/1 column sorted first (a bot's is_default, a chat's pinned). */
  flag: number;
  time: string;
  id: string;
}

export function encodeListCursor(list: string, key: ListKey): string {
  return Buffer.from(JSON.stringify([list, key.flag, key.time, key.id])).toString('base64url');
}

/** The key of a cursor this list handed out, or null for anything else. */
export function decodeListCursor(list: string, cursor: string): ListKey | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 4 || value[0] !== list) return null;
    const [, flag, time, id] = value as unknown[];
    if ((flag !== 0 && flag !== 1) || typeof time !== 'string' || typeof id !== 'string') return null;
    if (time.length > 40 || id.length > 100 || (time + id).includes('\u0000')) return null;
    return { flag, time, id };
  } catch {
    return null;
  }
}
