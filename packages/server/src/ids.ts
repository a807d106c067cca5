import { v7 } from 'uuid';

/** Time-sortable ids (UUID v7): message ids double as pagination cursors. */
export const newId = (): string => v7();
export const nowIso = (): string => new Date().toISOString();
