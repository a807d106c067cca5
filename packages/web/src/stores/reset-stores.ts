import { useCompareStore } from './compare-store.ts';
import { useEntitiesStore } from './entities-store.ts';
import { useMessagesStore } from './messages-store.ts';
import { useModelsStore } from './models-store.ts';
import { useToastStore } from './toast-store.ts';
import { useTurnsStore } from './turns-store.ts';
import { useUiStore } from './ui-store.ts';

/** Forgets everything of the signed-in user (logout, session expiry, tests). */
export function resetUserStores(): void {
  useEntitiesStore.getState().reset();
  useMessagesStore.getState().reset();
  useModelsStore.getState().reset();
  useTurnsStore.getState().reset();
  useUiStore.getState().reset();
  useToastStore.getState().reset();
  useCompareStore.getState().reset();
}
