import type { CreateBotBody } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { botsApi } from '../../api/endpoints.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { showError } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';

export async function loadBots(): Promise<void> {
  try {
    const { bots } = await botsApi.list();
    useEntitiesStore.getState().setBots(bots);
  } catch (error) {
    showError(`Could not load bots: ${describeError(error)}`, () => void loadBots());
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
