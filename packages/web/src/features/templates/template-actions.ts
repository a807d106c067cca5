import type { Bot, ChatExportQuery, Template } from '@cachibot/protocol';
import { describeError } from '../../api/api-error.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { showError, showInfo } from '../../stores/toast-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { fileNameOf, saveFile } from './save-file.ts';
import { fetchChatExport, templatesApi } from './templates-api.ts';

/** A new bot (installed or imported) joins the list and opens its empty chat. */
function openNewBot(bot: Bot): void {
  useEntitiesStore.getState().upsertBot(bot);
  const ui = useUiStore.getState();
  ui.closeEditor();
  ui.selectBot(bot.id);
}

/** Installs a template as the user's own bot; throws so the gallery can show why it failed. */
export async function installTemplate(templateId: string): Promise<void> {
  openNewBot(await templatesApi.install(templateId));
}

/** A chosen file that cannot be a bot file at all (too large, not JSON): refused before any request. */
export class BotFileError extends Error {
  override readonly name = 'BotFileError';
  static isInstance(value: unknown): value is BotFileError {
    return value instanceof Error && value.name === 'BotFileError';
  }
}

/** A sentence for a failed import, whether the browser or the server refused the file. */
export const describeImportError = (error: unknown): string =>
  BotFileError.isInstance(error) ? error.message : describeError(error);

/** The largest file the import reads: the server takes 1 MiB bodies. */
const MAX_IMPORT_BYTES = 1024 * 1024;

/**
 * Imports a bot file (`cachibot.bot` or a CachiBot export); throws with a sentence naming the problem
 * (the server's message names the field).
 */
export async function importBotFile(file: File): Promise<void> {
  if (file.size > MAX_IMPORT_BYTES)
    throw new BotFileError(`${file.name} is larger than 1 MB: not a bot file.`);
  let document: unknown;
  try {
    document = JSON.parse(await file.text());
  } catch {
    throw new BotFileError(`${file.name} is not a JSON file, so it cannot be a bot export.`);
  }
  openNewBot(await templatesApi.importBot(document));
}

export async function exportBot(bot: Bot): Promise<void> {
  try {
    const file = await templatesApi.exportBot(bot.id);
    saveFile(
      fileNameOf(bot.name, 'cachibot-bot.json'),
      `${JSON.stringify(file, null, 2)}\n`,
      'application/json',
    );
  } catch (error) {
    showError(`Could not export ${bot.name}: ${describeError(error)}`, () => void exportBot(bot));
  }
}

export async function exportChat(chatId: string, title: string, format: ChatExportQuery['format']) {
  try {
    const text = await fetchChatExport(chatId, format);
    saveFile(
      fileNameOf(title, format),
      text,
      format === 'md' ? 'text/markdown;charset=utf-8' : 'application/json',
    );
  } catch (error) {
    showError(
      `Could not export the chat: ${describeError(error)}`,
      () => void exportChat(chatId, title, format),
    );
  }
}

/** Publishes (or refreshes) the bot's snapshot for the team; returns the team template. */
export async function publishBot(bot: Bot): Promise<Template> {
  const template = await templatesApi.publish(bot.id);
  showInfo(`${bot.name} is shared with your team.`);
  return template;
}

export async function unpublishBot(bot: Bot): Promise<void> {
  await templatesApi.unpublish(bot.id);
  showInfo(`${bot.name} is no longer shared.`);
}

/** Whether the bot has a team template (its own publication): the caller's team templates name it. */
export async function publicationOf(botId: string, signal?: AbortSignal): Promise<Template | null> {
  const { templates } = await templatesApi.list({ category: 'team' }, signal);
  return templates.find((template) => template.botId === botId) ?? null;
}
