import type { CreateBotBody } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { botsApi } from '../../api/endpoints.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { showError } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';

/** The first page of bots; further pages come with `loadMoreBots`. */
export async function loadBots(): Promise<void> {
  try {
    const { bots, nextCursor } = await botsApi.list();
    useEntitiesStore.getState().setBots(bots, nextCursor);
  } catch (error) {
    showError(`Could not load bots: ${describeError(error)}`, () => void loadBots());
  }
}

/** Pages on their way, by cursor: asking again for the same page shares the request. */
const loadingMoreBots = new Map<string, Promise<boolean>>();

/** The next page of bots, if there is one (false: it failed, and a toast offers a retry). */
export function loadMoreBots(): Promise<boolean> {
  const cursor = useEntitiesStore.getState().botsNextCursor;
  if (!cursor) return Promise.resolve(true);
  let loading = loadingMoreBots.get(cursor);
  if (!loading) {
    loading = fetchMoreBots(cursor).finally(() => loadingMoreBots.delete(cursor));
    loadingMoreBots.set(cursor, loading);
  }
  return loading;
}

/** Loads further pages until `botId` is among the loaded bots (true) or the list ends or fails (false). */
export async function loadBotsUntilFound(botId: string): Promise<boolean> {
  let previous: string | null = null;
  for (;;) {
    const { bots, botsNextCursor } = useEntitiesStore.getState();
    if (bots.some((bot) => bot.id === botId)) return true;
    // The end of the list, or a server handing out the same cursor again: stop rather than loop.
    if (!botsNextCursor || botsNextCursor === previous) return false;
    previous = botsNextCursor;
    if (!(await loadMoreBots())) return false;
  }
}

async function fetchMoreBots(cursor: string): Promise<boolean> {
  try {
    const page = await botsApi.list({ cursor });
    // The list was reloaded meanwhile (a new session): this page continues an older one.
    if (useEntitiesStore.getState().botsNextCursor !== cursor) return true;
    useEntitiesStore.getState().appendBots(page.bots, page.nextCursor);
    return true;
  } catch (error) {
    showError(`Could not load more bots: ${describeError(error)}`, () => void loadMoreBots());
    return false;
  }
}

/** Creates (botId null) or updates a bot; throws so the editor can show the reason beside the form. */
export async function saveBot(botId: string | null, body: CreateBotBody): Promise<void> {
  const bot = botId ? await botsApi.update(botId, body) : await botsApi.create(body);
  useEntitiesStore.getState().upsertBot(bot);
  const ui = useUiStore.getState();
  ui.closeEditor();
  if (!botId) ui.selectBot(bot.id);
}

export async function deleteBot(botId: string): Promise<void> {
  await botsApi.remove(botId);
  const entities = useEntitiesStore.getState();
  entities.removeBot(botId);
  const ui = useUiStore.getState();
  ui.closeEditor();
  if (ui.selectedBotId === botId) ui.selectBot(useEntitiesStore.getState().bots[0]?.id ?? null);
}
